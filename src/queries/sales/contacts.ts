/**
 * The contacts linked to an account, with their roles: the links table joined with the contacts
 * catalogue table (active contacts only; a merged contact is archived). Both live tables are
 * resolved and read in one read transaction, so a rebuild's swap cannot fall between them.
 * Pages like every list: `limit` and an opaque keyset `cursor` by contact id.
 */
import type Database from 'better-sqlite3';
import { contactKind } from '../../events/sales/contact.js';
import { catalogueTables } from '../../projections/catalogue-columns.js';
import { resolveTable } from '../../projections/registry.js';
import { decodeCursor, encodeCursor, fingerprintOf, limitOf, type SortKey } from '../cursor.js';
import { CONTACT_LINKS_PROJECTION, CONTACT_LINKS_TABLE } from '../../projections/sales/contacts.js';

export type AccountContact = { contactId: string; firstName: string | null; lastName: string | null; roles: string[]; primary: boolean };

type Row = { contact_id: string; fields: string; roles: string; is_primary: number };

const KEY: SortKey[] = [{ column: 'contact_id', desc: false, notNull: true }];

/** One page of an account's contacts: `limit` (1–200, default 50) after the opaque `cursor`. */
export type AccountContactsQuery = { limit?: string; cursor?: string };
export type AccountContactsPage = { data: AccountContact[]; page: { nextCursor: string | null } };

const contactOf = (row: Row): AccountContact => {
  const fields = JSON.parse(row.fields) as Record<string, unknown>;
  const name = (key: string) => (typeof fields[key] === 'string' ? (fields[key] as string) : null);
  return { contactId: row.contact_id, firstName: name('firstName'), lastName: name('lastName'), roles: JSON.parse(row.roles) as string[], primary: row.is_primary === 1 };
};

/**
 * The account's contacts in the tenant, by contact id, a page at a time (keyset: stable while links
 * change); only `ownerOnly`'s when given. @throws InvalidInputError `invalid_limit`, `invalid_cursor`.
 */
export const accountContacts = (
  db: Database.Database, tenantId: string, accountId: string, ownerOnly: string | undefined, query: AccountContactsQuery = {},
): AccountContactsPage => {
  const limit = limitOf(query.limit);
  const fingerprint = fingerprintOf(['account-contacts', tenantId, accountId, ownerOnly ?? null]);
  const after = query.cursor ? String(decodeCursor(query.cursor, KEY, fingerprint)[0]) : '';
  const rows = db.transaction(() => {
    const links = resolveTable(db, CONTACT_LINKS_PROJECTION, CONTACT_LINKS_TABLE);
    const contacts = resolveTable(db, contactKind.type, catalogueTables(contactKind).records);
    return db.prepare(
      `SELECT l.contact_id, l.roles, l.is_primary, c.fields FROM "${links}" l
       JOIN "${contacts}" c ON c.tenant_id = l.tenant_id AND c.id = l.contact_id
       WHERE l.tenant_id = ? AND l.account_id = ? AND l.contact_id > ? AND c.status = 'active' ${ownerOnly === undefined ? '' : 'AND c.owner_id = ?'}
       ORDER BY l.contact_id LIMIT ?`,
    ).all(tenantId, accountId, after, ...(ownerOnly === undefined ? [] : [ownerOnly]), limit + 1) as Row[];
  })();
  const data = rows.slice(0, limit).map(contactOf);
  const nextCursor = rows.length > limit ? encodeCursor([data.at(-1)!.contactId], fingerprint) : null;
  return { data, page: { nextCursor } };
};
