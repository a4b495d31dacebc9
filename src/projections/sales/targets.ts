/** The targets read model: the generic catalogue projection of the target kind (period, metric, assignee as columns). */
import { targetKind } from '../../events/sales/target.js';
import { catalogueProjector } from '../catalogue.js';

/** Its tables are `sales_target` and `sales_target_search`. */
export const targetsProjector = catalogueProjector(targetKind);
