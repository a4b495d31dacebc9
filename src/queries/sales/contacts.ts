/**
 * An account's contacts, with their roles: those linked to it (the links table) and those whose
 * own `accountId` (their primary account) names it, each once. A contact known by its `accountId`
 * alone reads `roles: []`, `primary: true`; a linked one its link's roles, `primary` when its
 * `accountId` is the account (read from the contact, so a link flag a merge left behind cannot
 * lag). Active contacts only (a merged contact is archived). Both live tables are resolved and
 * read in one read transaction, so a rebuild's swap cannot fall between them.
 * Pages like every list: `limit` and an opaque keyset `cursor` by contact id.
 */
import { contactKind } from '../../events/sales/contact.js';
import { catalogueTables } from '../../projections/catalogue-columns.js';
import { resolveTable } from '../../projections/registry.js';
import { decodeCursor, encodeCursor, fingerprintOf, limitOf, type SortKey } from '../cursor.js';
import type { ListSource } from '../record-list.js';
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
  { db, cursorKey }: ListSource, tenantId: string, accountId: string, ownerOnly: string | undefined, query: AccountContactsQuery = {},
): AccountContactsPage => {
  const limit = limitOf(query.limit);
  const fingerprint = fingerprintOf(['account-contacts', tenantId, accountId, ownerOnly ?? null]);
  const after = query.cursor ? String(decodeCursor(cursorKey, query.cursor, KEY, fingerprint)[0]) : '';
  const owner = ownerOnly === undefined ? '' : 'AND c.owner_id = ?';
  const owners = ownerOnly === undefined ? [] : [ownerOnly];
  const rows = db.transaction(() => {
    const links = resolveTable(db, CONTACT_LINKS_PROJECTION, CONTACT_LINKS_TABLE);
    const contacts = resolveTable(db, contactKind.type, catalogueTables(contactKind).records);
    // Two keyset scans merged by contact id: the links by the links' account index, the contacts by
    // `(tenant_id, account_id, id)` (its primary account), leaving out those the links already gave.
    return db.prepare(
      `SELECT l.contact_id, l.roles, (c.account_id IS l.account_id) AS is_primary, c.fields FROM "${links}" l
       JOIN "${contacts}" c ON c.tenant_id = l.tenant_id AND c.id = l.contact_id
       WHERE l.tenant_id = ? AND l.account_id = ? AND l.contact_id > ? AND c.status = 'active' ${owner}
       UNION ALL
       SELECT c.id, '[]', 1, c.fields FROM "${contacts}" c
       WHERE c.tenant_id = ? AND c.account_id = ? AND c.id > ? AND c.status = 'active' ${owner}
         AND NOT EXISTS (SELECT 1 FROM "${links}" x WHERE x.tenant_id = c.tenant_id AND x.contact_id = c.id AND x.account_id = c.account_id)
       ORDER BY 1 LIMIT ?`,
    ).all(tenantId, accountId, after, ...owners, tenantId, accountId, after, ...owners, limit + 1) as Row[];
  })();
  const data = rows.slice(0, limit).map(contactOf);
  const nextCursor = rows.length > limit ? encodeCursor(cursorKey, [data.at(-1)!.contactId], fingerprint) : null;
  return { data, page: { nextCursor } };
};
