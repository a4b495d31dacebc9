/** The opportunities read model: the generic catalogue projection of the opportunity kind (stage, probability, weighted amount as columns). */
import { opportunityKind } from '../../events/sales/opportunity.js';
import { catalogueProjector } from '../catalogue.js';

/** Its tables are `sales_opportunity` and `sales_opportunity_search`. */
export const opportunitiesProjector = catalogueProjector(opportunityKind);
