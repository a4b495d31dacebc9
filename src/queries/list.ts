/**
 * The one list-query engine every list endpoint, export and segment uses (design §5): a list is
 * described once as data (`ListSpec`); a request's `filter`, `sort`, `limit`, `cursor` and `q` are
 * checked against it and compiled into one SQL query. knex only builds the SQL; it runs through a
 * cached better-sqlite3 prepared statement, so a page is one synchronous call. Column and table
 * names come only from the spec; every client value is a bound parameter.
 *
 * Filter semantics are two-valued: a comparison on a NULL field is false, `neq` and `not(…)` are
 * true there (`stage[neq]:"won"` includes rows without a stage).
 */
import type BetterSqlite3 from 'better-sqlite3';
import knex, { type Knex } from 'knex';
import * as keyset from './cursor.js';
import { compileFilter, searchCondition } from './compile.js';
import { parseFilter } from './filter.js';
import { perDatabase, statementOf } from '../sqlite-memo.js';

export { isoOf } from './compile.js';

/**
 * How a field is stored, and which operators apply to it:
 * - `string`: TEXT; all operators. `like` and `startsWith` ignore ASCII case (SQLite LIKE); with a
 *   `sortColumn`, `gt gte lt lte` compare it with the value's `collationKey`, as the sort does.
 * - `email`: TEXT holding the address normalized as its uniqueness is checked (NFC, trimmed,
 *   lower-cased: `normalizeEmail`); filter values are normalized alike, so every operator ignores case.
 * - `number`, `integer`: numeric; eq neq gt gte lt lte in is.
 * - `boolean`: INTEGER 0/1, filtered with true/false; eq neq in is.
 * - `datetime`: TEXT in `Date#toISOString()` form (UTC), so text order is time order; filter values
 *   are ISO 8601 dates or date-times with a zone, normalised to that form; eq neq gt gte lt lte in is.
 * - `tags`: a JSON array of strings as TEXT; `eq` (holds the tag), `in` (holds one of them). Not sortable.
 */
export type FieldType = 'string' | 'email' | 'number' | 'integer' | 'boolean' | 'datetime' | 'tags';
/** `sortColumn`: what the field sorts by when not `column`: its `collationKey`, which the table keeps beside it. */
export type FieldSpec = { column: string; type: FieldType; sortColumn?: string };

/** One list endpoint, as plain data. */
export type ListSpec = {
  table: string;
  /** What cursors are bound to, when `table` changes under them (a projection's generations); default `table`. */
  name?: string;
  tenantColumn: string;
  /** Unique and never NULL: the last tie-breaker of every sort. */
  idColumn: string;
  /** By API name; dotted names are allowed (`amount.amount`). */
  fields: Record<string, FieldSpec>;
  filterable: readonly string[];
  sortable: readonly string[];
  /** The sort when the request names none, e.g. `-createdAt`. */
  defaultSort: string;
  /** An FTS5 table whose rowid is `rowidColumn` (default `rowid`) of `table`. */
  search?: { ftsTable: string; rowidColumn?: string };
};

export type Row = Record<string, unknown>;

/** A list request as the client sent it (plus the tenant and the access policy's row condition). */
export type ListOptions = {
  tenantId: string;
  /** Whose rows of the tenant the caller sees (the policy's row scope, e.g. an owner): a cursor is bound to it. */
  scope?: string;
  filter?: string;
  sort?: string;
  limit?: number | string;
  cursor?: string;
  q?: string;
  /** An extra row condition (the access policy's, the server's), ANDed to everything else; not part of a cursor's fingerprint. */
  where?: { sql: string; bindings: unknown[] };
};

export type ListPage = { data: Row[]; page: { nextCursor: string | null } };

type Db = BetterSqlite3.Database;

const builder = knex({ client: 'better-sqlite3', useNullAsDefault: true });

const notNullOf = perDatabase<ReadonlySet<string>>(64);

const notNullColumns = (db: Db, table: string): ReadonlySet<string> =>
  notNullOf(db, table, () => {
    const columns = db.pragma(`table_info(${keyset.quoteIdent(table)})`) as { name: string; notnull: number }[];
    return new Set(columns.filter((c) => c.notnull === 1).map((c) => c.name));
  });

/** A list request, checked and compiled, ready to read pages from (its `cursor` is read by `listPage`). */
export type PreparedList = {
  limit: number;
  keys: keyset.SortKey[];
  /** What a cursor of this query is bound to: the list, tenant, row scope, sort, filter and search. */
  fingerprint: string;
  /** Up to `limit + 1` rows after `after` (the extra row tells whether there is a next page). */
  rowsAfter: (after: readonly keyset.CursorValue[] | undefined, limit: number) => Row[];
  positionOf: (row: Row) => keyset.CursorValue[];
};

/**
 * Checks and compiles a list request against its spec.
 * @throws InvalidInputError `invalid_filter`, `invalid_sort`, `invalid_limit`, `invalid_search`
 *   or `search_not_supported`.
 */
export const prepareList = (db: Db, spec: ListSpec, options: ListOptions): PreparedList => {
  const filter = options.filter?.trim() ?? '';
  const node = parseFilter(filter);
  const keys = keyset.parseSort(spec, options.sort, notNullColumns(db, spec.table));
  const limit = keyset.limitOf(options.limit);
  const q = options.q?.trim() ?? '';
  const search = q === '' ? undefined : searchCondition(spec, q);
  const fingerprint = keyset.fingerprintOf([spec.name ?? spec.table, options.tenantId, options.scope ?? null, keys, filter, q]);
  const conditions = [node && compileFilter(spec, node), search, options.where].filter((c) => c !== undefined);
  const read = (extra: keyset.Sql[], n: number): Row[] => readRows(db, spec, options.tenantId, [...conditions, ...extra], keys, n);
  return {
    limit,
    keys,
    fingerprint,
    rowsAfter: (position, n) => (position ? readSegments(read, keyset.keysetSegments(spec.table, keys, position), n) : read([], n)),
    positionOf: (row) => keyset.positionOf(row, keys),
  };
};

/** Up to `n + 1` rows from the segments after a position, in order, until the page is full. */
const readSegments = (read: (extra: keyset.Sql[], n: number) => Row[], segments: keyset.Sql[], n: number): Row[] =>
  segments.reduce<Row[]>((rows, segment) => (rows.length > n ? rows : [...rows, ...read([segment], n - rows.length)]), []);

const readRows = (db: Db, spec: ListSpec, tenantId: string, conditions: keyset.Sql[], keys: keyset.SortKey[], limit: number): Row[] => {
  const query = builder(spec.table).select(`${spec.table}.*`).where(`${spec.table}.${spec.tenantColumn}`, tenantId);
  for (const c of conditions) query.whereRaw(`(${c.sql})`, c.bindings as Knex.RawBinding[]);
  for (const key of keys) query.orderBy(`${spec.table}.${key.column}`, key.desc ? 'desc' : 'asc');
  const { sql, bindings } = query.limit(limit + 1).toSQL().toNative();
  return statementOf(db, sql).all(...bindings) as Row[];
};

/**
 * One page of a list: rows of `options.tenantId` only, matching the filter, the search and the
 * policy's `where`, in the requested order, after the cursor's position; cursors sealed with `cursorKey`.
 * @throws InvalidInputError (400) on any malformed parameter (see `prepareList`), `invalid_cursor`.
 */
export const listPage = (db: Db, spec: ListSpec, options: ListOptions, cursorKey: keyset.CursorKey): ListPage => {
  const list = prepareList(db, spec, options);
  const start = options.cursor ? keyset.decodeCursor(cursorKey, options.cursor, list.keys, list.fingerprint) : undefined;
  const rows = list.rowsAfter(start, list.limit);
  const data = rows.slice(0, list.limit);
  const last = data.at(-1);
  const nextCursor = rows.length > list.limit && last ? keyset.encodeCursor(cursorKey, list.positionOf(last), list.fingerprint) : null;
  return { data, page: { nextCursor } };
};
