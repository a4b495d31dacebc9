/**
 * The contacts linked to an account, with their roles: the links table joined with the contacts
 * catalogue table (active contacts only; a merged contact is archived). Both live tables are
 * resolved and read in one read transaction, so a rebuild's swap cannot fall between them.
 */
import type Database from 'better-sqlite3';
import { contactKind } from '../../events/sales/contact.js';
import { catalogueTables } from '../../projections/catalogue-columns.js';
import { resolveTable } from '../../projections/registry.js';
import { CONTACT_LINKS_PROJECTION, CONTACT_LINKS_TABLE } from '../../projections/sales/contacts.js';

export type AccountContact = { contactId: string; firstName: string | null; lastName: string | null; roles: string[]; primary: boolean };

type Row = { contact_id: string; fields: string; roles: string; is_primary: number };

/** At most this many (an account's people, not a list to page through). */
const LIMIT = 1000;

/** The account's contacts in the tenant, sorted by id; only `ownerOnly`'s when given. */
export const accountContacts = (db: Database.Database, tenantId: string, accountId: string, ownerOnly?: string): AccountContact[] =>
  db.transaction(() => {
    const links = resolveTable(db, CONTACT_LINKS_PROJECTION, CONTACT_LINKS_TABLE);
    const contacts = resolveTable(db, contactKind.type, catalogueTables(contactKind).records);
    const rows = db.prepare(
      `SELECT l.contact_id, l.roles, l.is_primary, c.fields FROM "${links}" l
       JOIN "${contacts}" c ON c.tenant_id = l.tenant_id AND c.id = l.contact_id
       WHERE l.tenant_id = ? AND l.account_id = ? AND c.status = 'active' ${ownerOnly === undefined ? '' : 'AND c.owner_id = ?'}
       ORDER BY l.contact_id LIMIT ${LIMIT}`,
    ).all(tenantId, accountId, ...(ownerOnly === undefined ? [] : [ownerOnly])) as Row[];
    return rows.map((row) => {
      const fields = JSON.parse(row.fields) as Record<string, unknown>;
      const name = (key: string) => (typeof fields[key] === 'string' ? (fields[key] as string) : null);
      return { contactId: row.contact_id, firstName: name('firstName'), lastName: name('lastName'), roles: JSON.parse(row.roles) as string[], primary: row.is_primary === 1 };
    });
  })();
