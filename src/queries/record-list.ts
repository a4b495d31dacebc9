/**
 * Lists and exports of catalogue records from their read model (design §5): the kind's list spec
 * over the tables the registry names live (so a swap, even by another process, is followed), the
 * access policy's row scope, and each row as the same record view `GET /:id` answers.
 */
import type { Readable } from 'node:stream';
import type Database from 'better-sqlite3';
import type { RecordKind } from '../events/catalogue.js';
import type { JsonObject } from '../events/log/port.js';
import { catalogueListSpec, catalogueTables, type CatalogueListSpec } from '../projections/catalogue-columns.js';
import { resolveTable } from '../projections/registry.js';
import { joined, qualified, quoteIdent, type CursorKey, type Sql } from './cursor.js';
import { exportRows, type ExportColumn, type ExportFormat } from './export.js';
import { listPage, prepareList, type ListOptions, type Row } from './list.js';
import type { RecordView } from './records.js';
import { statementOf } from '../sqlite-memo.js';

/** Whose rows a reader sees: a tenant's, and only the actor's own when the policy says `own`. */
/** Who reads: their tenant, their own records only (`ownerOnly`), and the fields withheld from them (absent from what they read). */
export type Reader = { tenantId: string; ownerOnly?: string; withheld?: readonly string[] };

/** `view` without the fields withheld from the reader. */
export const withoutWithheld = <V extends object>(reader: Reader, view: V): V => {
  if (!reader.withheld?.length) return view;
  const shown = { ...view } as Record<string, unknown>;
  for (const name of reader.withheld) delete shown[name];
  return shown as V;
};

/** The list parameters a client sends. */
export type ListQuery = Pick<ListOptions, 'filter' | 'sort' | 'limit' | 'cursor' | 'q'>;

/** Where a list page is read from, and the key its cursors are sealed with. */
export type ListSource = { db: Database.Database; cursorKey: CursorKey };

const specOf = (db: Database.Database, kind: RecordKind): CatalogueListSpec => {
  const { records, search } = catalogueTables(kind);
  return catalogueListSpec(kind, {
    records: resolveTable(db, kind.type, records),
    ...(search ? { search: resolveTable(db, kind.type, search) } : {}),
  });
};

/**
 * A row condition the server adds to a list (e.g. "due before the request's time"), built on the
 * physical table, under the name of the view it makes. Its SQL is not part of the cursor's
 * fingerprint, so a condition that moves from page to page (a time) keeps the cursor valid; its
 * view's name is, so a cursor of the view is no cursor of the plain list, nor the reverse.
 */
export type RowCondition = { view: string; where: (spec: CatalogueListSpec) => Sql };

const optionsOf = (spec: CatalogueListSpec, reader: Reader, query: ListQuery, condition?: RowCondition): ListOptions => {
  const owner = reader.ownerOnly === undefined ? [] : [{ sql: `${qualified(spec.table, 'owner_id')} = ?`, bindings: [reader.ownerOnly] }];
  const where = [...owner, ...(condition ? [condition.where(spec)] : [])];
  const scopes = [...(reader.ownerOnly === undefined ? [] : [`owner:${reader.ownerOnly}`]), ...(condition ? [`view:${condition.view}`] : [])];
  const scope = scopes.length === 0 ? {} : { scope: scopes.join(' ') };
  return { ...query, tenantId: reader.tenantId, ...scope, ...(where.length === 0 ? {} : { where: joined(where, 'AND') }) };
};

const fieldsOf = new WeakMap<Row, JsonObject>();
const parsedFields = (row: Row): JsonObject => {
  let fields = fieldsOf.get(row);
  if (!fields) fieldsOf.set(row, (fields = JSON.parse(row.fields as string) as JsonObject));
  return fields;
};

/** A read-model row as the API's record view. Only erased values are kept as `null` in a row's fields. */
export const recordViewOf = (kind: RecordKind) => (row: Row): RecordView => {
  const fields = parsedFields(row);
  return {
    ...fields,
    id: row.id as string,
    ...(kind.subject !== undefined ? { subjectId: row.subject_id as string | null } : {}),
    status: row.status as string,
    ownerId: row.owner_id as string | null,
    tags: JSON.parse(row.tags as string) as string[],
    revision: Number(row.revision),
    createdAt: row.created_at as string,
    updatedAt: row.updated_at as string,
    erasedFields: Object.keys(fields).filter((name) => fields[name] === null),
  };
};

/** One page of records, read in one snapshot (the table names and the rows agree). */
export const listRecords = ({ db, cursorKey }: ListSource, kind: RecordKind, reader: Reader, query: ListQuery, condition?: RowCondition) =>
  db
    .transaction(() => {
      const spec = specOf(db, kind);
      const page = listPage(db, spec, optionsOf(spec, reader, query, condition), cursorKey);
      return { data: page.data.map(recordViewOf(kind)).map((view) => withoutWithheld(reader, view)), page: page.page };
    })
    .deferred();

/** Checks a list request against the kind's list, reading no row. @throws InvalidInputError as a list does. */
export const checkListQuery = (db: Database.Database, kind: RecordKind, query: Pick<ListQuery, 'filter' | 'sort'>): void =>
  void prepareList(db, specOf(db, kind), { tenantId: '', ...query });

const WALK_PAGE = 200;

/**
 * Every record the reader may see that the filter selects, in the sort's order, read in one
 * snapshot a page of 200 at a time: the server's own walks (a retention sweep, a reactor), which
 * need no cursor. @throws InvalidInputError as a list does, e.g. `invalid_filter`.
 */
export const everyRecord = (db: Database.Database, kind: RecordKind, reader: Reader, query: Pick<ListQuery, 'filter' | 'sort'>): RecordView[] =>
  db
    .transaction(() => {
      const spec = specOf(db, kind);
      const list = prepareList(db, spec, { ...optionsOf(spec, reader, query), limit: WALK_PAGE });
      const rows: Row[] = [];
      let page = list.rowsAfter(undefined, WALK_PAGE);
      for (; page.length > WALK_PAGE; page = list.rowsAfter(list.positionOf(page[WALK_PAGE - 1]!), WALK_PAGE)) rows.push(...page.slice(0, WALK_PAGE));
      return [...rows, ...page].map(recordViewOf(kind));
    })
    .deferred();

/** The statement reading one row of a physical table, prepared once per connection and table. */
const rowStatement = (db: Database.Database, table: string): Database.Statement =>
  statementOf(db, `SELECT * FROM ${quoteIdent(table)} WHERE tenant_id = ? AND id = ?`);

/** One record of the tenant as its read model holds it, or undefined when it has no row. */
export const currentRecord = (db: Database.Database, kind: RecordKind, tenantId: string, id: string): RecordView | undefined =>
  db
    .transaction(() => {
      const row = rowStatement(db, resolveTable(db, kind.type, catalogueTables(kind).records)).get(tenantId, id) as Row | undefined;
      return row && recordViewOf(kind)(row);
    })
    .deferred();

/** The export columns: the record's common fields, every field the kind declares, then the erased ones' names (as reads list them). */
const exportColumns = (kind: RecordKind): ExportColumn[] => {
  const toView = recordViewOf(kind);
  const views = new WeakMap<Row, RecordView>();
  const view = (row: Row): RecordView => views.get(row) ?? (views.set(row, toView(row)), views.get(row)!);
  const common = ['id', ...(kind.subject !== undefined ? ['subjectId'] : []), 'status', 'ownerId', 'tags', 'createdAt', 'updatedAt', 'revision'];
  const fields = Object.keys(kind.fields).map((name) => ({ header: name, value: (row: Row) => parsedFields(row)[name] ?? null }));
  const erased = { header: 'erasedFields', value: (row: Row) => view(row).erasedFields };
  return [...common.map((name) => ({ header: name, value: (row: Row) => view(row)[name] })), ...fields, erased];
};

/**
 * Every record the reader may see, filtered, searched and sorted as a list, streamed as CSV or
 * JSONL. Malformed parameters throw here, before the first byte. The tables are resolved once: an
 * export running longer than the retired tables' grace period (5 s) across a swap may fail.
 */
export const exportRecords = (db: Database.Database, kind: RecordKind, reader: Reader, query: ListQuery, format: ExportFormat): Readable => {
  const spec = specOf(db, kind);
  const columns = exportColumns(kind).filter((c) => typeof c === 'string' || !reader.withheld?.includes(c.header));
  return exportRows(db, spec, optionsOf(spec, reader, query), format, columns);
};
