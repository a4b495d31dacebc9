/** The leads read model: the generic catalogue projection of the lead kind (its own events through their effects). */
import { leadKind } from '../../events/sales/lead.js';
import { catalogueProjector } from '../catalogue.js';

/** Its tables are `sales_lead` and `sales_lead_search`. */
export const leadsProjector = catalogueProjector(leadKind);
