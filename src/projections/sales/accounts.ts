/** The accounts read model: the generic catalogue projection of the account kind. */
import { accountKind } from '../../events/sales/account.js';
import { catalogueProjector } from '../catalogue.js';

/** Its tables are `sales_account` and `sales_account_search`. */
export const accountsProjector = catalogueProjector(accountKind);
