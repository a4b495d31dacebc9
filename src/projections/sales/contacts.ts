/** The contacts read model: the generic catalogue projection of the contact kind. */
import { contactKind } from '../../events/sales/contact.js';
import { catalogueProjector } from '../catalogue.js';
import { uniquenessProjector } from '../uniqueness.js';

/** Register with the runner; its tables are `sales_contact` and `sales_contact_search`. */
export const contactsProjector = catalogueProjector(contactKind);

/** The index of contacts' email lookup hashes (`sales_contact_unique`): duplicate detection. */
export const contactsUniqueProjector = uniquenessProjector(contactKind);
