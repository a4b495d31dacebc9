/** The activities read model: the generic catalogue projection of the activity kind (status, link and due time as columns). */
import { activityKind } from '../../events/sales/activity.js';
import { catalogueProjector } from '../catalogue.js';

/** Its tables are `sales_activity` and `sales_activity_search`. */
export const activitiesProjector = catalogueProjector(activityKind);
