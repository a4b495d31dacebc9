/** `/sales/accounts`: companies, served by the generic record routes. */
import { accountAggregate } from '../../commands/sales/account.js';
import { accountKind } from '../../events/sales/account.js';
import type { RecordResource } from '../records.js';

export const accountsResource: RecordResource = {
  kind: accountKind,
  aggregate: accountAggregate,
  permission: 'sales.accounts',
  path: '/sales/accounts',
};
