/** `/sales/contacts`: contacts, served by the generic record routes. */
import { contactAggregate } from '../../commands/sales/contact.js';
import { contactKind } from '../../events/sales/contact.js';
import type { RecordResource } from '../records.js';

export const contactsResource: RecordResource = {
  kind: contactKind,
  aggregate: contactAggregate,
  permission: 'sales.contacts',
  path: '/sales/contacts',
};
