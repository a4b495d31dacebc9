/** The quotes read model: the generic catalogue projection of the quote kind (number, status, totals as columns). */
import { quoteKind } from '../../events/sales/quote.js';
import { catalogueProjector } from '../catalogue.js';

/** Its tables are `sales_quote` and `sales_quote_search`. */
export const quotesProjector = catalogueProjector(quoteKind);
