/** The contacts read model: the generic catalogue projection of the contact kind, and its account links. */
import type { AccountLink } from '../../events/sales/contact.js';
import { CONTACT_LINKED, CONTACT_ROLES_CHANGED, CONTACT_UNLINKED, contactKind } from '../../events/sales/contact.js';
import { parseStreamName } from '../../events/log/stream-name.js';
import { eventTypeOf } from '../../events/catalogue.js';
import { catalogueProjector, catalogueTables } from '../catalogue.js';
import type { Projector } from '../projector.js';
import { uniquenessProjector } from '../uniqueness.js';

const catalogue = catalogueProjector(contactKind);
const RECORDS = catalogueTables(contactKind).records;

/**
 * Bump when the indexes added below change (the version also follows the kind's shape, as every
 * catalogue projector's does). 1: `(tenant_id, account_id, id)`, an account's contacts by their
 * primary account (`GET /sales/accounts/:id/contacts`).
 */
const OWN_INDEXES_VERSION = 1;

/**
 * Register with the runner; its tables are `sales_contact` and `sales_contact_search`. The generic
 * catalogue projection, plus an index finding the contacts whose `accountId` names an account.
 */
export const contactsProjector: Projector = {
  ...catalogue,
  version: catalogue.version * 100 + OWN_INDEXES_VERSION,
  indexes: {
    ...catalogue.indexes,
    [RECORDS]: (physical) => [
      ...(catalogue.indexes?.[RECORDS]?.(physical) ?? []),
      `CREATE INDEX IF NOT EXISTS "${physical}__account_id" ON "${physical}" (tenant_id, account_id, id)`,
    ],
  },
};

/** The index of contacts' email lookup hashes (`sales_contact_unique`): duplicate detection. */
export const contactsUniqueProjector = uniquenessProjector(contactKind);

export const CONTACT_LINKS_PROJECTION = 'sales.contact.links';
export const CONTACT_LINKS_TABLE = 'sales_contact_account_links';
const CONTACT_UPDATED = eventTypeOf(contactKind, 'Updated');

/**
 * One row per (contact, account) link with its roles (a JSON array), so an account's contacts are
 * found by index. Every link event carries the contact's whole list: its rows are replaced.
 * Ids and role ids only, no personal data; the query joins the contacts table for names and status.
 */
export const contactLinksProjector: Projector = {
  name: CONTACT_LINKS_PROJECTION,
  version: 2,
  // An update moving the primary account carries the re-flagged list in `changes.accounts`.
  handles: [CONTACT_LINKED, CONTACT_ROLES_CHANGED, CONTACT_UNLINKED, CONTACT_UPDATED],
  tables: {
    [CONTACT_LINKS_TABLE]: (t, physical) => {
      for (const column of ['tenant_id', 'contact_id', 'account_id', 'roles']) t.text(column).notNullable();
      t.integer('is_primary').notNullable();
      t.primary(['tenant_id', 'contact_id', 'account_id']);
      t.index(['tenant_id', 'account_id'], `${physical}__account`);
    },
  },
  apply: (tx, event) => {
    const table = `"${tx.table(CONTACT_LINKS_TABLE)}"`;
    const s = tx.memo('links', () => ({
      clear: tx.statement(`DELETE FROM ${table} WHERE tenant_id = ? AND contact_id = ?`),
      insert: tx.statement(`INSERT INTO ${table} (tenant_id, contact_id, account_id, roles, is_primary) VALUES (?, ?, ?, ?, ?)`),
    }));
    const source = event.type === CONTACT_UPDATED ? (event.data.changes as { accounts?: AccountLink[] } | undefined) : event.data;
    if (event.type === CONTACT_UPDATED && source?.accounts === undefined) return;
    const { tenantId, id } = parseStreamName(event.stream);
    s.clear.run(tenantId, id);
    for (const link of (source?.accounts ?? []) as AccountLink[]) {
      s.insert.run(tenantId, id, link.accountId, JSON.stringify(link.roles), link.primary ? 1 : 0);
    }
  },
};
