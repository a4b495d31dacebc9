/**
 * A lead's possible duplicates, kept by the leads projection beside its rows: the tenant's active
 * contacts (not archived, not merged) and open leads (not converted, not archived) whose email is
 * the open lead's. Emails are compared by the tenant's lookup hash of the normalized value, as
 * the contacts' uniqueness index does (`keyed-hash.ts`): computed here from the revealed value,
 * never in an event, and cleared on erasure, so an erased person matches no one (a rebuild reads
 * their email as `null` and hashes nothing, leaving the same rows).
 *
 * One row per contact and lead (`sales_lead_emails`: ids, hash, flags; nothing in plaintext). A
 * lead lists the first `MAX_POSSIBLE_DUPLICATES` of its group (the open records with its hash),
 * contacts first, then the oldest (by the log's order). So a record joining or leaving a group changes the other leads'
 * lists only when it is among the group's first `MAX + 1`; then the group's open leads are written
 * again, else only the record's own list is: a web form submitted many times costs no more per lead.
 */
import type { Knex } from 'knex';
import { unreachable } from '../../commands/decider.js';
import { eventNameOf, type RecordKind } from '../../events/catalogue.js';
import type { JsonObject } from '../../events/log/port.js';
import { parseStreamName } from '../../events/log/stream-name.js';
import { PERSONAL_DATA_ERASED } from '../../events/personal-data/erased.js';
import { CONTACT_MERGED, contactKind } from '../../events/sales/contact.js';
import { LEAD_CONVERTED, MAX_POSSIBLE_DUPLICATES, leadKind } from '../../events/sales/lead.js';
import { catalogueColumns, catalogueTables } from '../catalogue-columns.js';
import type { ProjectedEvent, ProjectionTx, TableDefinition } from '../projector.js';

export const LEAD_EMAILS_TABLE = 'sales_lead_emails';

type RecordName = 'contact' | 'lead';
type Key = { tenantId: string; kind: RecordName; id: string };
type Member = { kind: RecordName; id: string };

const KINDS: ReadonlyArray<[RecordName, RecordKind]> = [['contact', contactKind], ['lead', leadKind]];

/** Events that retire a record for good: a merged contact, a converted lead. */
const RETIRING: Readonly<Record<string, RecordName>> = { [CONTACT_MERGED]: 'contact', [LEAD_CONVERTED]: 'lead' };

/** The event types the index follows (with `PersonalDataErased`). */
export const LEAD_DUPLICATE_TYPES: readonly string[] = [
  ...KINDS.flatMap(([, kind]) => (['Created', 'Updated', 'Archived', 'Restored'] as const).map((name) => `${kind.eventPrefix}${name}`)),
  ...Object.keys(RETIRING),
  PERSONAL_DATA_ERASED,
];

export const leadEmailsTable: TableDefinition = (t: Knex.CreateTableBuilder, physical: string) => {
  for (const column of ['tenant_id', 'record_kind', 'id']) t.text(column).notNullable();
  t.bigInteger('created_at_position').notNullable();
  t.text('subject_id');
  t.text('hash');
  t.integer('archived').notNullable();
  t.integer('retired').notNullable();
  t.primary(['tenant_id', 'record_kind', 'id']);
  t.index(['tenant_id', 'hash', 'record_kind', 'created_at_position'], `${physical}__hash`);
  t.index(['tenant_id', 'subject_id'], `${physical}__subject_id`);
};

const OPEN = 'archived = 0 AND retired = 0';

const statements = (tx: ProjectionTx) => {
  const t = `"${tx.table(LEAD_EMAILS_TABLE)}"`;
  const leads = `"${tx.table(catalogueTables(leadKind).records)}"`;
  const flag = `"${catalogueColumns(leadKind).duplicate!.column}"`;
  const byKey = 'WHERE tenant_id = ? AND record_kind = ? AND id = ?';
  return {
    insert: tx.statement(`INSERT OR REPLACE INTO ${t} (tenant_id, record_kind, id, created_at_position, subject_id, hash, archived, retired) VALUES (?, ?, ?, ?, ?, ?, 0, 0)`),
    hash: tx.statement(`UPDATE ${t} SET hash = ? ${byKey}`),
    archived: tx.statement(`UPDATE ${t} SET archived = ? ${byKey}`),
    retired: tx.statement(`UPDATE ${t} SET retired = 1 ${byKey}`),
    membership: tx.statement(`SELECT hash FROM ${t} ${byKey} AND ${OPEN} AND hash IS NOT NULL`).pluck(),
    top: tx.statement(`SELECT record_kind AS kind, id FROM ${t} WHERE tenant_id = ? AND hash = ? AND ${OPEN} ORDER BY record_kind, created_at_position LIMIT ${MAX_POSSIBLE_DUPLICATES + 1}`),
    openLeads: tx.statement(`SELECT id FROM ${t} WHERE tenant_id = ? AND hash = ? AND record_kind = 'lead' AND ${OPEN}`).pluck(),
    bySubject: tx.statement(`SELECT record_kind AS kind, id FROM ${t} WHERE tenant_id = ? AND subject_id = ? AND hash IS NOT NULL`),
    list: tx.statement(
      `UPDATE ${leads} SET fields = json_set(fields, '$.possibleDuplicates', json(?), '$.duplicate', json(?)), ${flag} = ? WHERE tenant_id = ? AND id = ?`,
    ),
  };
};

type Target = { s: ReturnType<typeof statements>; tx: ProjectionTx };

/** The group a record belongs to: its hash while it is open and has one. */
const groupOf = ({ s }: Target, key: Key): string | undefined => s.membership.get(key.tenantId, key.kind, key.id) as string | undefined;

/** The group's first records (one more than a lead lists: the lead itself may be among them). */
const topOf = ({ s }: Target, tenantId: string, hash: string): Member[] => s.top.all(tenantId, hash) as Member[];

const among = (members: Member[], key: Key): boolean => members.some((m) => m.kind === key.kind && m.id === key.id);

const writeList = ({ s }: Target, tenantId: string, id: string, top: Member[]): void => {
  const list = top.filter((m) => m.kind !== 'lead' || m.id !== id).slice(0, MAX_POSSIBLE_DUPLICATES);
  s.list.run(JSON.stringify(list), JSON.stringify(list.length > 0), list.length > 0 ? 1 : 0, tenantId, id);
};

/** Every open lead of the group lists its first records again. */
const rewriteGroup = (t: Target, tenantId: string, hash: string): void => {
  const top = topOf(t, tenantId, hash);
  for (const id of t.s.openLeads.all(tenantId, hash) as string[]) writeList(t, tenantId, id, top);
};

/** Changes one record's row (`write`), then the lists that change with it: the group(s) it left or joined, and its own. */
const changed = (t: Target, key: Key, write: () => void): void => {
  const left = groupOf(t, key);
  const wasListed = left !== undefined && among(topOf(t, key.tenantId, left), key);
  write();
  const joined = groupOf(t, key);
  if (left !== joined && left !== undefined && wasListed) rewriteGroup(t, key.tenantId, left);
  if (left !== joined && joined !== undefined && among(topOf(t, key.tenantId, joined), key)) rewriteGroup(t, key.tenantId, joined);
  if (key.kind === 'lead') writeList(t, key.tenantId, key.id, joined === undefined ? [] : topOf(t, key.tenantId, joined));
};

const hashOf = (t: Target, tenantId: string, email: unknown): string | null =>
  typeof email === 'string' ? t.tx.lookupHash(tenantId, 'email', email) : null;

const subjectOf = (data: JsonObject): string | null => (typeof data.subjectId === 'string' ? data.subjectId : null);

/** The write an event of a contact or a lead makes to its row (undefined: none). */
const writeOf = (t: Target, key: Key, kind: RecordKind, event: ProjectedEvent): (() => void) | undefined => {
  const { s } = t;
  const { data } = event;
  const at = [key.tenantId, key.kind, key.id] as const;
  if (RETIRING[event.type] === key.kind) return () => s.retired.run(...at);
  const name = eventNameOf(kind, event.type);
  switch (name) {
    case 'Created':
      return () => s.insert.run(...at, event.position, subjectOf(data), hashOf(t, key.tenantId, (data.fields as JsonObject | undefined)?.email));
    case 'Updated': {
      const changes = (data.changes ?? {}) as JsonObject;
      return Object.hasOwn(changes, 'email') ? () => s.hash.run(hashOf(t, key.tenantId, changes.email), ...at) : undefined;
    }
    case 'Archived':
      return () => s.archived.run(1, ...at);
    case 'Restored':
      return () => s.archived.run(0, ...at);
    case undefined:
    case 'OwnerAssigned':
    case 'Tagged':
      return undefined;
    default:
      return unreachable(name);
  }
};

/** The erased subject's emails are forgotten: their rows keep no hash, and the lists naming them are written again. */
const erase = (t: Target, tenantId: string, subjectId: string): void => {
  for (const { kind, id } of t.s.bySubject.all(tenantId, subjectId) as Member[]) {
    changed(t, { tenantId, kind, id }, () => t.s.hash.run(null, tenantId, kind, id));
  }
};

/** Applies one event the index follows (`LEAD_DUPLICATE_TYPES`), after the leads' catalogue projection applied it. */
export const applyLeadDuplicates = (tx: ProjectionTx, event: ProjectedEvent): void => {
  const t = { s: tx.memo('lead-duplicates', () => statements(tx)), tx };
  const { tenantId, aggregateType, id } = parseStreamName(event.stream);
  if (event.type === PERSONAL_DATA_ERASED) {
    if (typeof event.data.subjectId === 'string') erase(t, tenantId, event.data.subjectId);
    return;
  }
  const [name, kind] = KINDS.find(([, k]) => k.type === aggregateType) ?? [];
  if (!name || !kind) return;
  const key = { tenantId, kind: name, id };
  const write = writeOf(t, key, kind, event);
  if (write) changed(t, key, write);
};
