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
import { unreachable } from '../commands/decider.js';
import { InvalidInputError } from '../errors.js';
import * as keyset from './cursor.js';
import { filterError, ftsQuery, parseFilter, type Comparison, type FilterNode, type Operator, type Scalar } from './filter.js';

/**
 * How a field is stored, and which operators apply to it:
 * - `string`: TEXT; all operators. `like` and `startsWith` ignore ASCII case (SQLite LIKE).
 * - `number`, `integer`: numeric; eq neq gt gte lt lte in is.
 * - `boolean`: INTEGER 0/1, filtered with true/false; eq neq in is.
 * - `datetime`: TEXT in `Date#toISOString()` form (UTC), so text order is time order; filter values
 *   are ISO 8601 dates or date-times with a zone, normalised to that form; eq neq gt gte lt lte in is.
 * - `tags`: a JSON array of strings as TEXT; `eq` (holds the tag), `in` (holds one of them). Not sortable.
 */
export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'datetime' | 'tags';
export type FieldSpec = { column: string; type: FieldType };

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
  filter?: string;
  sort?: string;
  limit?: number | string;
  cursor?: string;
  q?: string;
  /** An extra row condition from the access policy, ANDed to everything else. */
  where?: { sql: string; bindings: unknown[] };
};

export type ListPage = { data: Row[]; page: { nextCursor: string | null } };

type Db = BetterSqlite3.Database;
type Value = Exclude<Scalar, null>;

const builder = knex({ client: 'better-sqlite3', useNullAsDefault: true });

const ORDERED: readonly Operator[] = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'is'];
const OPERATORS_OF: Record<FieldType, readonly Operator[]> = {
  string: [...ORDERED, 'like', 'startsWith'], number: ORDERED, integer: ORDERED, datetime: ORDERED,
  boolean: ['eq', 'neq', 'in', 'is'], tags: ['eq', 'in'],
};
const SQL_OPERATOR = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** An ISO 8601 date or zoned date-time in `toISOString()` form; Date alone would take 2024-02-30. */
export const isoOf = (text: string): string | undefined => {
  const [, y, m, d] = ISO.exec(text) ?? [];
  const day = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  const time = new Date(text);
  const real = day.getUTCMonth() === Number(m) - 1 && day.getUTCDate() === Number(d) && !Number.isNaN(time.getTime());
  return y !== undefined && real ? time.toISOString() : undefined;
};

/** A filter value as the column stores it, or undefined when it does not fit the field's type. */
const COERCE: Record<FieldType, (value: Value) => string | number | undefined> = {
  string: (v) => (typeof v === 'string' ? v : undefined),
  tags: (v) => (typeof v === 'string' ? v : undefined),
  number: (v) => (typeof v === 'number' ? v : undefined),
  integer: (v) => (typeof v === 'number' && Number.isInteger(v) ? v : undefined),
  boolean: (v) => (typeof v === 'boolean' ? Number(v) : undefined),
  datetime: (v) => (typeof v === 'string' ? isoOf(v) : undefined),
};

const filterableField = (spec: ListSpec, node: Comparison): FieldSpec => {
  const field = spec.filterable.includes(node.field) && Object.hasOwn(spec.fields, node.field) ? spec.fields[node.field] : undefined;
  if (!field) throw filterError(`unknown field '${node.field}' (filterable: ${spec.filterable.join(', ')})`, node.position);
  if (!OPERATORS_OF[field.type].includes(node.op)) {
    throw filterError(`[${node.op}] does not apply to '${node.field}', a ${field.type} field`, node.position);
  }
  return field;
};

/** `*` is the one wildcard of `like`; the user's `%`, `_` and `\` match themselves. */
const escapeLike = (text: string): string => text.replace(/[\\%_]/g, '\\$&');

/** Equality or membership; on a tags field, "the array holds one of these". */
const holds = (field: FieldSpec, col: string, values: (string | number)[]): keyset.Sql => {
  const test = values.length === 1 ? '= ?' : `IN (${values.map(() => '?').join(', ')})`;
  const sql = field.type === 'tags' ? `EXISTS (SELECT 1 FROM json_each(${col}) AS tag WHERE tag.value ${test})` : `${col} ${test}`;
  return { sql, bindings: values };
};

const binder = (field: FieldSpec, node: Comparison) => (value: Value): string | number => {
  const bound = COERCE[field.type](value);
  if (bound !== undefined) return bound;
  throw filterError(`'${node.field}' is a ${field.type} field; ${JSON.stringify(value)} does not fit it`, node.valuePosition);
};

const compileComparison = (spec: ListSpec, node: Comparison): keyset.Sql => {
  const field = filterableField(spec, node);
  const col = keyset.qualified(spec.table, field.column);
  const bind = binder(field, node);
  switch (node.op) {
    case 'is':
      return { sql: `${col} IS ${node.value === 'null' ? '' : 'NOT '}NULL`, bindings: [] };
    case 'in':
      return holds(field, col, node.value.map(bind));
    case 'eq':
      return holds(field, col, [bind(node.value)]);
    case 'neq':
      return { sql: `${col} IS NOT ?`, bindings: [bind(node.value)] };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return { sql: `${col} ${SQL_OPERATOR[node.op]} ?`, bindings: [bind(node.value)] };
    case 'like':
      return { sql: `${col} LIKE ? ESCAPE '\\'`, bindings: [escapeLike(String(bind(node.value))).replaceAll('*', '%')] };
    case 'startsWith':
      return { sql: `${col} LIKE ? ESCAPE '\\'`, bindings: [`${escapeLike(String(bind(node.value)))}%`] };
    default:
      return unreachable(node);
  }
};

/** The filter as SQL. `not` tests "is not true", so a NULL inside never makes the row vanish. */
const compileFilter = (spec: ListSpec, node: FilterNode): keyset.Sql => {
  switch (node.kind) {
    case 'and':
      return keyset.joined(node.items.map((item) => compileFilter(spec, item)), 'AND');
    case 'or':
      return keyset.joined(node.items.map((item) => compileFilter(spec, item)), 'OR');
    case 'not': {
      const inner = compileFilter(spec, node.item);
      return { sql: `(${inner.sql}) IS NOT 1`, bindings: inner.bindings };
    }
    case 'comparison':
      return compileComparison(spec, node);
    default:
      return unreachable(node);
  }
};

const searchCondition = (spec: ListSpec, q: string): keyset.Sql => {
  if (!spec.search) {
    throw new InvalidInputError('search_not_supported', 'This list has no full-text search', [{ pointer: '/q', message: 'not supported here' }]);
  }
  const fts = keyset.quoteIdent(spec.search.ftsTable);
  const rowid = keyset.qualified(spec.table, spec.search.rowidColumn ?? 'rowid');
  return { sql: `${rowid} IN (SELECT rowid FROM ${fts} WHERE ${fts} MATCH ?)`, bindings: [ftsQuery(q)] };
};

/** A per-database LRU cache (prepared statements, table shapes). */
const perDatabase = <V>(capacity: number) => {
  const caches = new WeakMap<Db, Map<string, V>>();
  return (db: Db, key: string, make: () => V): V => {
    const cache = caches.get(db) ?? new Map<string, V>();
    caches.set(db, cache);
    const value = cache.get(key) ?? make();
    cache.delete(key);
    cache.set(key, value);
    if (cache.size > capacity) cache.delete(cache.keys().next().value!);
    return value;
  };
};

const statementOf = perDatabase<BetterSqlite3.Statement>(256);
const notNullOf = perDatabase<ReadonlySet<string>>(64);

const notNullColumns = (db: Db, table: string): ReadonlySet<string> =>
  notNullOf(db, table, () => {
    const columns = db.pragma(`table_info(${keyset.quoteIdent(table)})`) as { name: string; notnull: number }[];
    return new Set(columns.filter((c) => c.notnull === 1).map((c) => c.name));
  });

/** A list request, checked and compiled, ready to read pages from. */
export type PreparedList = {
  limit: number;
  /** The position of the request's cursor, if it had one. */
  start: keyset.CursorValue[] | undefined;
  /** Up to `limit + 1` rows after `after` (the extra row tells whether there is a next page). */
  rowsAfter: (after: readonly keyset.CursorValue[] | undefined, limit: number) => Row[];
  positionOf: (row: Row) => keyset.CursorValue[];
  cursorOf: (row: Row) => string;
};

/**
 * Checks and compiles a list request against its spec.
 * @throws InvalidInputError `invalid_filter`, `invalid_sort`, `invalid_limit`, `invalid_cursor`,
 *   `invalid_search` or `search_not_supported`.
 */
export const prepareList = (db: Db, spec: ListSpec, options: ListOptions): PreparedList => {
  const filter = options.filter?.trim() ?? '';
  const node = parseFilter(filter);
  const keys = keyset.parseSort(spec, options.sort, notNullColumns(db, spec.table));
  const limit = keyset.limitOf(options.limit);
  const q = options.q?.trim() ?? '';
  const search = q === '' ? undefined : searchCondition(spec, q);
  const fingerprint = keyset.fingerprintOf([spec.name ?? spec.table, keys, filter, q]);
  const start = options.cursor ? keyset.decodeCursor(options.cursor, keys, fingerprint) : undefined;
  const conditions = [node && compileFilter(spec, node), search, options.where].filter((c) => c !== undefined);
  const read = (extra: keyset.Sql[], n: number): Row[] => readRows(db, spec, options.tenantId, [...conditions, ...extra], keys, n);
  return {
    limit,
    start,
    rowsAfter: (position, n) => (position ? readSegments(read, keyset.keysetSegments(spec.table, keys, position), n) : read([], n)),
    positionOf: (row) => keyset.positionOf(row, keys),
    cursorOf: (row) => keyset.encodeCursor(keyset.positionOf(row, keys), fingerprint),
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
  return statementOf(db, sql, () => db.prepare(sql)).all(...bindings) as Row[];
};

/**
 * One page of a list: rows of `options.tenantId` only, matching the filter, the search and the
 * policy's `where`, in the requested order, after the cursor's position.
 * @throws InvalidInputError (400) on any malformed parameter; see `prepareList`.
 */
export const listPage = (db: Db, spec: ListSpec, options: ListOptions): ListPage => {
  const list = prepareList(db, spec, options);
  const rows = list.rowsAfter(list.start, list.limit);
  const data = rows.slice(0, list.limit);
  const last = data.at(-1);
  return { data, page: { nextCursor: rows.length > list.limit && last ? list.cursorOf(last) : null } };
};
