/**
 * The generic projection of a catalogue record kind: one row per record (common columns, the
 * fields as JSON, one column per filterable or sortable field, an index per sortable one) and an
 * FTS5 table over the searchable fields. It handles the kind's six events, its own events' effects and, when the kind holds
 * personal data, `PersonalDataErased` (scrubbing the subject's rows).
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { effectTypesOf, eventTypeOf, type RecordKind } from '../events/catalogue.js';
import { PERSONAL_DATA_ERASED } from '../events/personal-data/erased.js';
import { applyRecordEvent, cellReaders, type CatalogueShape } from './catalogue-apply.js';
import { catalogueTables, fieldColumns, searchColumns, type FieldColumn } from './catalogue-columns.js';
import type { Projector } from './projector.js';

export { catalogueColumns, catalogueListSpec, catalogueTables } from './catalogue-columns.js';

/** Bump when the code below changes what a row holds (the kind's own changes bump the version by themselves). */
// 2: an erased value copied by an own event's effect (an activity's outcome) stays a null field when rebuilt.
// 3: sortable text sorts by a collation key column; an email column holds the normalized address.
const CODE_VERSION = 3;

const EVENT_NAMES = ['Created', 'Updated', 'Archived', 'Restored', 'OwnerAssigned', 'Tagged'] as const;

const addColumn = (t: Knex.CreateTableBuilder, { column, type }: FieldColumn): void => {
  if (type === 'number') t.double(column);
  else if (type === 'integer' || type === 'boolean') t.integer(column);
  else t.text(column);
};

/** The records table: common columns, one per field; the subject index (erasures look rows up by it). */
const recordsTable = (shape: CatalogueShape) => (t: Knex.CreateTableBuilder, physical: string): void => {
  for (const column of ['tenant_id', 'id', 'status', 'tags', 'fields', 'created_at', 'updated_at']) t.text(column).notNullable();
  t.text('subject_id');
  t.text('owner_id');
  t.integer('revision').notNullable();
  for (const field of shape.fields) addColumn(t, field);
  t.primary(['tenant_id', 'id']);
  t.index(['tenant_id', 'subject_id'], `${physical}__subject_id`);
};

/**
 * The list indexes, `(tenant_id, column, id)` per sortable field's column (and the owner, for "my
 * records"): text has two, its collation key's for sorts and its value's for filters.
 */
const listIndexes = (shape: CatalogueShape) => (physical: string): string[] => {
  const sortable = shape.fields.filter((f) => shape.kind.sortable.includes(f.path)).map((f) => f.column);
  return ['created_at', 'updated_at', 'owner_id', ...sortable].map(
    (column) => `CREATE INDEX IF NOT EXISTS "${physical}__${column}" ON "${physical}" (tenant_id, "${column}", id)`,
  );
};

/** The FTS5 table; `secure-delete` makes a scrub remove the erased terms from the index itself. */
const searchTable = (shape: CatalogueShape) => (physical: string): string[] => [
  `CREATE VIRTUAL TABLE "${physical}" USING fts5(tenant_id UNINDEXED, id UNINDEXED, ${shape.search
    .map((s) => s.column)
    .join(', ')}, tokenize = 'unicode61 remove_diacritics 2')`,
  `INSERT INTO "${physical}" ("${physical}", rank) VALUES ('secure-delete', 1)`,
];

/** A version derived from the kind's projected shape, so changing its columns rebuilds by itself. */
const shapeVersion = (shape: CatalogueShape): number => {
  const { kind, fields, search } = shape;
  const described = JSON.stringify([CODE_VERSION, kind.type, kind.eventPrefix, kind.personal, fields, search]);
  return (createHash('sha256').update(described).digest().readUInt32BE(0) % 999_999) + 1;
};

const shapeOf = (kind: RecordKind): CatalogueShape => {
  const tables = catalogueTables(kind);
  const fields = fieldColumns(kind);
  return { kind, tables, fields, cells: cellReaders(fields), search: tables.search ? searchColumns(kind) : [] };
};

/**
 * The projector of one record kind, named after its aggregate type (e.g. `sales.contact`). Its
 * version is derived from the kind's shape unless given.
 */
export const catalogueProjector = (kind: RecordKind, options: { version?: number } = {}): Projector => {
  const shape = shapeOf(kind);
  const { records, search } = shape.tables;
  return {
    name: kind.type,
    version: options.version ?? shapeVersion(shape),
    handles: [
      ...EVENT_NAMES.map((name) => eventTypeOf(kind, name)),
      ...effectTypesOf(kind),
      ...(kind.personal.length > 0 ? [PERSONAL_DATA_ERASED] : []),
    ],
    tables: { [records]: recordsTable(shape) },
    ...(search ? { virtualTables: { [search]: searchTable(shape) } } : {}),
    indexes: { [records]: listIndexes(shape) },
    apply: (tx, event) => applyRecordEvent(shape, tx, event),
  };
};
