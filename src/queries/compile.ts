/**
 * Compiling a parsed filter and a search into SQL conditions against a `ListSpec`: only declared
 * fields, only the operators their type allows, every value coerced to the column's
 * representation and bound, never spliced into the SQL text. A range (`gt gte lt lte`) on text
 * that sorts by a collation key compares that key, as the sort does, so a range and a page of the
 * sort agree on which values come before which (and the range uses the sort's index).
 */
import { unreachable } from '../commands/decider.js';
import { InvalidInputError } from '../errors.js';
import { normalizeEmail } from '../events/personal-data/keyed-hash.js';
import { collationKey } from '../projections/catalogue-columns.js';
import * as keyset from './cursor.js';
import { filterError, ftsQuery, type Comparison, type FilterNode, type Operator, type Scalar } from './filter.js';
import type { FieldSpec, FieldType, ListSpec } from './list.js';

type Value = Exclude<Scalar, null>;

const ORDERED: readonly Operator[] = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'is'];
const TEXT: readonly Operator[] = [...ORDERED, 'like', 'startsWith'];
const OPERATORS_OF: Record<FieldType, readonly Operator[]> = {
  string: TEXT, email: TEXT, number: ORDERED, integer: ORDERED, datetime: ORDERED, boolean: ['eq', 'neq', 'in', 'is'], tags: ['eq', 'in'],
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
  email: (v) => (typeof v === 'string' ? normalizeEmail(v) : undefined),
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

/** `col op value`; on text sorted by its collation key, `key op collationKey(value)`. */
const range = (spec: ListSpec, field: FieldSpec, op: keyof typeof SQL_OPERATOR, value: string | number): keyset.Sql => {
  if (typeof value === 'string' && field.sortColumn !== undefined) {
    return { sql: `${keyset.qualified(spec.table, field.sortColumn)} ${SQL_OPERATOR[op]} ?`, bindings: [collationKey(value)] };
  }
  return { sql: `${keyset.qualified(spec.table, field.column)} ${SQL_OPERATOR[op]} ?`, bindings: [value] };
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
      return range(spec, field, node.op, bind(node.value));
    case 'like':
      return { sql: `${col} LIKE ? ESCAPE '\\'`, bindings: [escapeLike(String(bind(node.value))).replaceAll('*', '%')] };
    case 'startsWith':
      return { sql: `${col} LIKE ? ESCAPE '\\'`, bindings: [`${escapeLike(String(bind(node.value)))}%`] };
    default:
      return unreachable(node);
  }
};

/** The filter as SQL. `not` tests "is not true", so a NULL inside never makes the row vanish. */
export const compileFilter = (spec: ListSpec, node: FilterNode): keyset.Sql => {
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

export const searchCondition = (spec: ListSpec, q: string): keyset.Sql => {
  if (!spec.search) {
    throw new InvalidInputError('search_not_supported', 'This list has no full-text search', [{ pointer: '/q', message: 'not supported here' }]);
  }
  const fts = keyset.quoteIdent(spec.search.ftsTable);
  const rowid = keyset.qualified(spec.table, spec.search.rowidColumn ?? 'rowid');
  return { sql: `${rowid} IN (SELECT rowid FROM ${fts} WHERE ${fts} MATCH ?)`, bindings: [ftsQuery(q)] };
};

