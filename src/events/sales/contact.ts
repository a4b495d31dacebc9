/**
 * Contacts (Sales): the people a tenant deals with. A contact is about a person of their own
 * (`subject: 'self'`): names, email, phone, job title and city are encrypted under that person's data
 * key, and a lead converted into a contact keeps its subject id, so one erasure covers the person
 * everywhere. The job title and city were stored in plaintext before (`legacyPlaintext`).
 * The email is unique per tenant among active contacts. Duplicates are merged: the loser gets
 * `ContactMerged { into }` (then archived, read-only), the survivor `ContactAbsorbed { from }`;
 * each keeps its own stream and subject. A contact is linked to accounts, each link with roles of
 * the tenant's configuration (`contactRoles`); every link event carries the whole list after it
 * (`accounts`), so the read view follows it as a field, and `accountId` stays the primary account.
 */
import type { RecordKind } from '../catalogue.js';
import type { JsonObject } from '../log/port.js';

export const CONTACT_MERGED = 'ContactMerged';
export const CONTACT_ABSORBED = 'ContactAbsorbed';
export const CONTACT_LINKED = 'ContactLinkedToAccount';
export const CONTACT_ROLES_CHANGED = 'ContactAccountRolesChanged';
export const CONTACT_UNLINKED = 'ContactUnlinkedFromAccount';

/** One account a contact is linked to, as the contact's `accounts` field lists it. */
export type AccountLink = { accountId: string; roles: string[]; primary: boolean };

/** A link made or changed; `primary` set makes that account the contact's `accountId`. */
export type AccountLinked = { accountId: string; roles: string[]; primary: boolean; accounts: AccountLink[] };
/** A link removed; `primaryCleared` when it was the primary account (`accountId` cleared). */
export type AccountUnlinked = { accountId: string; primaryCleared: boolean; accounts: AccountLink[] };

export type ContactOwnEvent =
  | { type: typeof CONTACT_MERGED; data: { into: string } }
  | { type: typeof CONTACT_ABSORBED; data: { from: string } };

export type ContactLinkEvent =
  | { type: typeof CONTACT_LINKED | typeof CONTACT_ROLES_CHANGED; data: AccountLinked }
  | { type: typeof CONTACT_UNLINKED; data: AccountUnlinked };

const ID = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$' };
const ACCOUNT_LINK = {
  type: 'object', additionalProperties: false, required: ['accountId', 'roles', 'primary'],
  properties: { accountId: ID, roles: { type: 'array', items: { type: 'string' } }, primary: { type: 'boolean' } },
};

const linked = (data: JsonObject): JsonObject => ({ accounts: data.accounts ?? [], ...(data.primary === true ? { accountId: data.accountId ?? null } : {}) });

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
    accounts: { type: 'array', items: ACCOUNT_LINK },
  },
  required: ['firstName', 'lastName', 'email'],
  personal: ['firstName', 'lastName', 'email', 'phone', 'jobTitle', 'city'],
  legacyPlaintext: ['jobTitle', 'city'],
  classification: {
    firstName: 'personal', lastName: 'personal', email: 'personal', phone: 'personal', jobTitle: 'personal', city: 'personal',
    accountId: 'internal', country: 'internal', mergedInto: 'internal', accounts: 'internal',
  },
  subject: 'self',
  filterable: ['lastName', 'email', 'accountId', 'city', 'country', 'jobTitle', 'mergedInto'],
  sortable: ['lastName', 'firstName', 'city', 'country'],
  searchable: ['firstName', 'lastName', 'email', 'jobTitle', 'city'],
  unique: ['email'],
  readOnly: ['mergedInto', 'accounts'],
  effects: {
    Merged: (data: JsonObject) => ({ mergedInto: data.into ?? null }),
    Absorbed: () => ({}),
    LinkedToAccount: linked,
    AccountRolesChanged: linked,
    UnlinkedFromAccount: (data: JsonObject) => ({ accounts: data.accounts ?? [], ...(data.primaryCleared === true ? { accountId: null } : {}) }),
  },
};
