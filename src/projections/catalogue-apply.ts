/**
 * How a catalogue projection applies each event to its tables: synchronous better-sqlite3
 * statements prepared once per generation. Erased personal values arrive as `null` (listed in
 * `event.erased`) and are kept as `null`, never dropped, so a scrubbed row and a row rebuilt after
 * the erasure are the same.
 */
import { unreachable } from '../commands/decider.js';
import { effectFieldOf, effectOf, eventNameOf, type RecordKind } from '../events/catalogue.js';
import type { JsonObject, JsonValue } from '../events/log/port.js';
import { PERSONAL_DATA_ERASED } from '../events/personal-data/erased.js';
import { normalizeEmail } from '../events/personal-data/keyed-hash.js';
import { getParts, getPath } from '../events/personal-data/protect.js';
import { parseStreamName } from '../events/log/stream-name.js';
import { prepareCatalogue, type CatalogueStatements } from './catalogue-sql.js';
import { collationKey, type FieldColumn } from './catalogue-columns.js';
import type { ProjectedEvent, ProjectionTx } from './projector.js';

/** A kind as its projection uses it: logical tables, field columns and search columns. */
export type CatalogueShape = {
  kind: RecordKind;
  tables: { records: string; search: string | undefined };
  fields: FieldColumn[];
  /** One per field column, in order: its cell in a record's fields (`cellReaders`). */
  cells: Array<(fields: JsonObject) => Cell>;
  search: Array<{ path: string; column: string; personal: boolean }>;
};

type Cell = string | number | null;
type Row = { rowid: number; subject_id: string | null; tags: string; fields: string };
type Target = { s: CatalogueStatements; shape: CatalogueShape; tenantId: string; id: string; at: string; revision: bigint };

const isoOrAsIs = (value: string): string => {
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : new Date(time).toISOString();
};

/** A field value as its column stores it (the list engine's representations). */
const cellOf = (type: FieldColumn['type'], value: JsonValue | undefined): Cell => {
  if (value === undefined || value === null) return null;
  if (type === 'tags') return JSON.stringify(value);
  if (type === 'boolean') return value === true ? 1 : value === false ? 0 : null;
  if (type === 'datetime' && typeof value === 'string') return isoOrAsIs(value);
  if (type === 'email' && typeof value === 'string') return normalizeEmail(value);
  return typeof value === 'object' ? JSON.stringify(value) : (value as string | number);
};

const textOf = (value: JsonValue | undefined): string | null => {
  if (value === undefined || value === null) return null;
  return Array.isArray(value) ? value.join(' ') : typeof value === 'object' ? JSON.stringify(value) : String(value);
};

/** One reader per field column, its path split once (not per event): the column's cell in a record's fields. */
export const cellReaders = (columns: readonly FieldColumn[]): Array<(fields: JsonObject) => Cell> =>
  columns.map(({ type, path, collation }) => {
    const parts = path.split('.');
    if (!collation) return (fields) => cellOf(type, getParts(fields, parts));
    return (fields) => {
      const cell = cellOf(type, getParts(fields, parts));
      return typeof cell === 'string' ? collationKey(cell) : cell;
    };
  });

/** Appends the field columns' cells to `params` (one array per statement: no spreading on the hot path). */
const withCells = (params: unknown[], shape: CatalogueShape, fields: JsonObject): unknown[] => {
  for (const read of shape.cells) params.push(read(fields));
  return params;
};

const searchTexts = (shape: CatalogueShape, fields: JsonObject): Array<string | null> =>
  shape.search.map((f) => textOf(getPath(fields, f.path)));

const created = (t: Target, data: JsonObject): void => {
  const fields = (data.fields ?? {}) as JsonObject;
  const tags = Array.isArray(data.tags) && data.tags.length > 0 ? JSON.stringify([...(data.tags as string[])].sort()) : '[]';
  const subject = typeof data.subjectId === 'string' ? data.subjectId : null;
  const owner = typeof data.ownerId === 'string' ? data.ownerId : null;
  const common = [t.tenantId, t.id, subject, 'active', owner, tags, JSON.stringify(fields), t.at, t.at, t.revision];
  const { lastInsertRowid } = t.s.insert.run(withCells(common, t.shape, fields));
  t.s.searchInsert?.run(lastInsertRowid, t.tenantId, t.id, ...searchTexts(t.shape, fields));
};

/** The fields after a change: a `null` clears the field, unless it is an erased value (kept as `null`). */
const merged = (fields: JsonObject, changes: JsonObject, erased: readonly string[]): JsonObject => {
  const next: JsonObject = { ...fields };
  for (const [name, value] of Object.entries(changes)) {
    if (value !== null) next[name] = value;
    else if (erased.includes(`changes.${name}`)) next[name] = null;
    else delete next[name];
  }
  return next;
};

const updated = (t: Target, data: JsonObject, erased: readonly string[]): void => {
  const row = t.s.row.get(t.tenantId, t.id) as Row | undefined;
  if (!row) return;
  const fields = merged(JSON.parse(row.fields) as JsonObject, (data.changes ?? {}) as JsonObject, erased);
  const subject = typeof data.subjectId === 'string' ? data.subjectId : row.subject_id;
  t.s.update.run([...withCells([subject, JSON.stringify(fields), t.at, t.revision], t.shape, fields), row.rowid]);
  t.s.searchUpdate?.run(...searchTexts(t.shape, fields), row.rowid);
};

const retagged = (tags: string[], data: JsonObject): string[] => {
  const added = (data.added ?? []) as string[];
  const removed = (data.removed ?? []) as string[];
  return [...tags.filter((tag) => !removed.includes(tag)), ...added].sort();
};

const tagged = (t: Target, data: JsonObject): void => {
  const row = t.s.row.get(t.tenantId, t.id) as Row | undefined;
  if (!row) return;
  t.s.tags.run(JSON.stringify(retagged(JSON.parse(row.tags) as string[], data)), t.at, t.revision, row.rowid);
};

const recordEvent = (t: Target, event: ProjectedEvent): void => {
  const name = eventNameOf(t.shape.kind, event.type);
  const { data } = event;
  switch (name) {
    case undefined: {
      // An own event's effect copies its personal values to their fields (`reason` to `statusReason`):
      // an erased one arrives as null and stays a null field, as the scrub of a live row leaves it.
      const changes = effectOf(t.shape.kind, event.type, data);
      const erased = event.erased.map((path) => `changes.${effectFieldOf(t.shape.kind, event.type, path)}`);
      return changes ? updated(t, { changes }, erased) : undefined;
    }
    case 'Created':
      return created(t, data);
    case 'Updated':
      return updated(t, data, event.erased);
    case 'Archived':
    case 'Restored':
      return void t.s.status.run(name === 'Archived' ? 'archived' : 'active', t.at, t.revision, t.tenantId, t.id);
    case 'OwnerAssigned':
      return void t.s.owner.run(data.ownerId ?? null, t.at, t.revision, t.tenantId, t.id);
    case 'Tagged':
      return tagged(t, data);
    default:
      return unreachable(name);
  }
};

/** Personal values of the subject's rows set to null: in the JSON, in their columns, in the FTS row. */
const scrub = (shape: CatalogueShape, s: CatalogueStatements, tenantId: string, subjectId: string): void => {
  const rows = s.bySubject.all(tenantId, subjectId) as Array<Pick<Row, 'rowid' | 'fields'>>;
  for (const row of rows) {
    const fields = JSON.parse(row.fields) as JsonObject;
    for (const name of shape.kind.personal) if (Object.hasOwn(fields, name)) fields[name] = null;
    s.scrub.run(JSON.stringify(fields), row.rowid);
    s.searchScrub?.run(row.rowid);
  }
};

const occurredAt = (event: ProjectedEvent): string =>
  typeof event.metadata.occurredAt === 'string' ? event.metadata.occurredAt : event.recordedAt.toISOString();

/** Applies one event of the kind (or an erasure) to the generation `tx` writes. */
export const applyRecordEvent = (shape: CatalogueShape, tx: ProjectionTx, event: ProjectedEvent): void => {
  const s = tx.memo('catalogue', () => prepareCatalogue(shape, tx));
  const { tenantId, id } = parseStreamName(event.stream);
  if (event.type === PERSONAL_DATA_ERASED) {
    // The tenant comes from the stream name, which the store checks, as for every other event.
    if (typeof event.data.subjectId === 'string') scrub(shape, s, tenantId, event.data.subjectId);
    return;
  }
  recordEvent({ s, shape, tenantId, id, at: occurredAt(event), revision: event.revision }, event);
};
