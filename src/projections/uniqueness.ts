/**
 * The uniqueness index of a record kind that declares `unique` fields (a contact's `email`): one
 * row per (record, field) holding the tenant's lookup hash of the value and whether the record is
 * active. Per `keyed-hash.ts`, that hash never enters an event: it is computed here from the
 * revealed value, and `PersonalDataErased` deletes the subject's rows, so once erased the person's
 * value can no longer be matched; a rebuild reads their value as `null` and recomputes nothing.
 */
import { createHash } from 'node:crypto';
import { unreachable } from '../commands/decider.js';
import type { Knex } from 'knex';
import { effectOf, eventNameOf, eventTypeOf, effectTypesOf, type RecordKind } from '../events/catalogue.js';
import type { JsonObject } from '../events/log/port.js';
import { parseStreamName } from '../events/log/stream-name.js';
import { PERSONAL_DATA_ERASED } from '../events/personal-data/erased.js';
import { catalogueTables } from './catalogue-columns.js';
import type { ProjectedEvent, ProjectionTx, Projector } from './projector.js';

/** Bump when the code below changes what a row holds. */
const CODE_VERSION = 1;

/** The projection's name and its one logical table, for the kind. */
export const uniquenessTables = (kind: RecordKind) => ({
  projection: `${kind.type}.unique`,
  table: `${catalogueTables(kind).records}_unique`,
});

const table = (t: Knex.CreateTableBuilder, physical: string): void => {
  for (const column of ['tenant_id', 'id', 'field', 'hash']) t.text(column).notNullable();
  t.text('subject_id');
  t.integer('active').notNullable();
  t.primary(['tenant_id', 'id', 'field']);
  t.index(['tenant_id', 'field', 'hash'], `${physical}__hash`);
  t.index(['tenant_id', 'subject_id'], `${physical}__subject_id`);
};

const statements = (tx: ProjectionTx, logical: string) => {
  const t = `"${tx.table(logical)}"`;
  return {
    upsert: tx.statement(
      `INSERT INTO ${t} (tenant_id, id, field, hash, subject_id, active) VALUES (?, ?, ?, ?, ?, 1)
       ON CONFLICT (tenant_id, id, field) DO UPDATE SET hash = excluded.hash, subject_id = COALESCE(excluded.subject_id, subject_id)`,
    ),
    clear: tx.statement(`DELETE FROM ${t} WHERE tenant_id = ? AND id = ? AND field = ?`),
    resubject: tx.statement(`UPDATE ${t} SET subject_id = ? WHERE tenant_id = ? AND id = ?`),
    active: tx.statement(`UPDATE ${t} SET active = ? WHERE tenant_id = ? AND id = ?`),
    erase: tx.statement(`DELETE FROM ${t} WHERE tenant_id = ? AND subject_id = ?`),
  };
};

type Target = { s: ReturnType<typeof statements>; tx: ProjectionTx; kind: RecordKind; tenantId: string; id: string };

/** Sets or clears the rows of the unique fields among `values` (a `null`, cleared or erased, clears). */
const index = (t: Target, values: JsonObject, subjectId: string | null): void => {
  for (const field of t.kind.unique ?? []) {
    if (!Object.hasOwn(values, field)) continue;
    const value = values[field];
    if (typeof value === 'string') t.s.upsert.run(t.tenantId, t.id, field, t.tx.lookupHash(t.tenantId, field, value), subjectId);
    else t.s.clear.run(t.tenantId, t.id, field);
  }
};

const subjectOf = (data: JsonObject): string | null => (typeof data.subjectId === 'string' ? data.subjectId : null);

const apply = (t: Target, event: ProjectedEvent): void => {
  const { data } = event;
  const name = eventNameOf(t.kind, event.type);
  switch (name) {
    case undefined: {
      const changes = effectOf(t.kind, event.type, data);
      return changes ? index(t, changes, null) : undefined;
    }
    case 'Created':
      return index(t, (data.fields ?? {}) as JsonObject, subjectOf(data));
    case 'Updated':
      if (subjectOf(data)) t.s.resubject.run(subjectOf(data), t.tenantId, t.id);
      return index(t, (data.changes ?? {}) as JsonObject, subjectOf(data));
    case 'Archived':
    case 'Restored':
      return void t.s.active.run(name === 'Archived' ? 0 : 1, t.tenantId, t.id);
    case 'OwnerAssigned':
    case 'Tagged':
      return undefined;
    default:
      return unreachable(name);
  }
};

/**
 * A unique key computed from several fields of a record (a target's assignee, period, metric and
 * currency), declared on its kind as `uniqueKeys` beside (or instead of) `unique` fields: among the
 * tenant's active records no two have equal keys; a write that would make its record's key equal
 * to another's is refused with 409 `duplicate_<name>` naming that record (`http/uniqueness.ts`).
 * Unlike a unique field it has no index of its own: its fields are not personal data, so the check
 * reads the kind's record table (its catalogue projection, named after the kind), narrowed to the
 * active records with the same `columns`, and compares their keys (`http/uniqueness-keys.ts`).
 */
export type UniqueKey = {
  /** The key's name: the refusal is 409 `duplicate_<name>`, with `field: <name>`. */
  name: string;
  /** What the key is made of, for the refusal's detail ("Another active record has the same <it>"). */
  describes: string;
  /** Filterable string fields of the kind that equal keys share: the records the check compares with have the same values. */
  columns: readonly string[];
  /**
   * The key of a record's fields as they are stored (what the kind's decider defaults spelled out),
   * as a string compared for equality (make it canonical: a set sorted); undefined for none.
   */
  of: (fields: JsonObject) => string | undefined;
};

/** A record kind that may declare unique keys (`RecordKind` itself declares only unique fields). */
export type KeyedKind = RecordKind & { uniqueKeys?: readonly UniqueKey[] };

/** The unique keys a kind declares (none for most). */
export const uniqueKeysOf = (kind: RecordKind): readonly UniqueKey[] => (kind as KeyedKind).uniqueKeys ?? [];

/** Whether the kind has anything unique (fields or keys): its writes go through `uniquely`. */
export const hasUniqueness = (kind: RecordKind): boolean => (kind.unique?.length ?? 0) > 0 || uniqueKeysOf(kind).length > 0;

/** The event types that may make a unique value of the kind active (not the ones that only release). */
export const claimingTypes = (kind: RecordKind): string[] =>
  hasUniqueness(kind) ? [...(['Created', 'Updated', 'Restored'] as const).map((name) => eventTypeOf(kind, name)), ...effectTypesOf(kind)] : [];

/** The uniqueness projector of a kind with `unique` fields, named `<type>.unique`. */
export const uniquenessProjector = (kind: RecordKind): Projector => {
  const { projection, table: logical } = uniquenessTables(kind);
  const described = JSON.stringify([CODE_VERSION, kind.type, kind.eventPrefix, kind.unique]);
  return {
    name: projection,
    version: (createHash('sha256').update(described).digest().readUInt32BE(0) % 999_999) + 1,
    handles: [
      ...(['Created', 'Updated', 'Archived', 'Restored'] as const).map((name) => eventTypeOf(kind, name)),
      ...effectTypesOf(kind),
      PERSONAL_DATA_ERASED,
    ],
    tables: { [logical]: table },
    apply: (tx, event) => {
      const s = tx.memo('uniqueness', () => statements(tx, logical));
      const { tenantId, id } = parseStreamName(event.stream);
      if (event.type !== PERSONAL_DATA_ERASED) return apply({ s, tx, kind, tenantId, id }, event);
      if (typeof event.data.subjectId === 'string') s.erase.run(tenantId, event.data.subjectId);
    },
  };
};
