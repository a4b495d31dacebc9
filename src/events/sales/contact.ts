/**
 * Contacts (Sales): the people a tenant deals with. A contact is about a person of their own
 * (`subject: 'self'`): names, email and phone are encrypted under that person's data key, and a
 * lead converted into a contact keeps its subject id, so one erasure covers the person everywhere.
 * The email is unique per tenant among active contacts. Duplicates are merged: the loser gets
 * `ContactMerged { into }` (then archived, read-only), the survivor `ContactAbsorbed { from }`;
 * each keeps its own stream and subject.
 */
import type { RecordKind } from '../catalogue.js';
import type { JsonObject } from '../log/port.js';

export const CONTACT_MERGED = 'ContactMerged';
export const CONTACT_ABSORBED = 'ContactAbsorbed';

export type ContactOwnEvent =
  | { type: typeof CONTACT_MERGED; data: { into: string } }
  | { type: typeof CONTACT_ABSORBED; data: { from: string } };

export const contactKind: RecordKind = {
  type: 'sales.contact',
  eventPrefix: 'Contact',
  fields: {
    firstName: { type: 'string', minLength: 1, maxLength: 100 },
    lastName: { type: 'string', minLength: 1, maxLength: 100 },
    email: { type: 'string', format: 'email', maxLength: 254 },
    phone: { type: 'string', pattern: '^\\+?[0-9 ().-]{3,40}$', maxLength: 40 },
    accountId: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$' },
    jobTitle: { type: 'string', maxLength: 100 },
    city: { type: 'string', maxLength: 100 },
    country: { type: 'string', pattern: '^[A-Z]{2}$' },
    mergedInto: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$' },
  },
  required: ['firstName', 'lastName', 'email'],
  personal: ['firstName', 'lastName', 'email', 'phone'],
  classification: {
    firstName: 'personal', lastName: 'personal', email: 'personal', phone: 'personal',
    accountId: 'internal', jobTitle: 'confidential', city: 'confidential', country: 'internal', mergedInto: 'internal',
  },
  subject: 'self',
  filterable: ['lastName', 'email', 'accountId', 'city', 'country', 'jobTitle', 'mergedInto'],
  sortable: ['lastName', 'firstName', 'city', 'country'],
  searchable: ['firstName', 'lastName', 'email', 'jobTitle', 'city'],
  unique: ['email'],
  readOnly: ['mergedInto'],
  effects: {
    Merged: (data: JsonObject) => ({ mergedInto: data.into ?? null }),
    Absorbed: () => ({}),
  },
};
