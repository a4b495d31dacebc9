/**
 * The leads read model: the generic catalogue projection of the lead kind (its own events through
 * their effects), and its possible duplicates (`lead-duplicates.ts`), which follow contacts too.
 */
import { leadKind } from '../../events/sales/lead.js';
import { catalogueProjector } from '../catalogue.js';
import type { Projector } from '../projector.js';
import { LEAD_DUPLICATE_TYPES, LEAD_EMAILS_TABLE, applyLeadDuplicates, leadEmailsTable } from './lead-duplicates.js';

const catalogue = catalogueProjector(leadKind);
const followed = new Set(LEAD_DUPLICATE_TYPES);
const own = new Set(catalogue.handles);

/** Bump when `lead-duplicates.ts` changes what its rows or the lists hold. 1: possible duplicates. */
const DUPLICATES_VERSION = 1;

/**
 * Register with the runner; its tables are `sales_lead`, `sales_lead_search` and `sales_lead_emails`.
 * The catalogue applies each lead event first, so a lead's row exists when its list is written.
 */
export const leadsProjector: Projector = {
  ...catalogue,
  version: catalogue.version * 100 + DUPLICATES_VERSION,
  handles: [...new Set([...catalogue.handles, ...LEAD_DUPLICATE_TYPES])],
  tables: { ...catalogue.tables, [LEAD_EMAILS_TABLE]: leadEmailsTable },
  apply: (tx, event) => {
    if (own.has(event.type)) catalogue.apply(tx, event);
    if (followed.has(event.type)) applyLeadDuplicates(tx, event);
  },
};
