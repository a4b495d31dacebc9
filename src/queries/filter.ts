/**
 * The one filter language (design §5), shared by list endpoints, segments and automation
 * conditions: `and(stage[eq]:"won",amount.amount[gte]:100000,not(tags[in]:["x"]))`.
 *
 * Grammar (whitespace allowed between tokens):
 * ```
 * filter     := node
 * node       := ("and" | "or") "(" node ("," node)* ")" | "not" "(" node ")" | comparison
 * comparison := field "[" operator "]" ":" value
 * field      := ident ("." ident)*          ident := [A-Za-z_][A-Za-z0-9_]*
 * value      := JSON string | JSON number | true | false | null | not_null | "[" scalar ("," scalar)* "]"
 * ```
 * The parser only checks syntax and bounds; which fields exist and which values fit them is
 * checked against a list spec by `list.ts`. Every error is an `invalid_filter` 400 carrying the
 * 0-based character offset where the problem was found.
 */
import { InvalidInputError } from '../errors.js';

/** Bounds on a filter, so that no input can make parsing or the query expensive. */
export const FILTER_LIMITS = { length: 2000, depth: 8, comparisons: 50, inItems: 100, stringLength: 500 } as const;

export const OPERATORS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'like', 'startsWith', 'is'] as const;
export type Operator = (typeof OPERATORS)[number];
export type ScalarOperator = Exclude<Operator, 'in' | 'is'>;
export type Scalar = string | number | boolean | null;

type ComparisonBase = { kind: 'comparison'; field: string; position: number; valuePosition: number };

/** `field[op]:value`; `position` is where the field starts, `valuePosition` where the value does. */
export type Comparison = ComparisonBase &
  (
    | { op: ScalarOperator; value: Exclude<Scalar, null> }
    | { op: 'in'; value: Exclude<Scalar, null>[] }
    | { op: 'is'; value: 'null' | 'not_null' }
  );

export type FilterNode = { kind: 'and' | 'or'; items: FilterNode[] } | { kind: 'not'; item: FilterNode } | Comparison;

/** The `invalid_filter` error, at a 0-based offset into the filter text. */
export const filterError = (message: string, position: number): InvalidInputError =>
  new InvalidInputError('invalid_filter', `Invalid filter at position ${position}: ${message}`, [{ pointer: '/filter', message }], {
    position,
  });

type Scan = { readonly text: string; pos: number; comparisons: number };

const NOT_NULL = Symbol('not_null');
type Value = Scalar | Exclude<Scalar, null>[] | typeof NOT_NULL;

const fail = (message: string, position: number): never => {
  throw filterError(message, position);
};

const found = (s: Scan): string => (s.pos < s.text.length ? `'${s.text[s.pos]}'` : 'the end of the filter');

const skipSpace = (s: Scan): void => {
  while (s.pos < s.text.length && ' \t\r\n'.includes(s.text[s.pos]!)) s.pos += 1;
};

const expect = (s: Scan, char: string, context: string): void => {
  skipSpace(s);
  if (s.text[s.pos] !== char) fail(`expected '${char}' ${context}, found ${found(s)}`, s.pos);
  s.pos += 1;
};

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;

const ident = (s: Scan, what: string): string => {
  IDENT.lastIndex = s.pos;
  const match = IDENT.exec(s.text);
  if (!match) return fail(`expected ${what}, found ${found(s)}`, s.pos);
  s.pos += match[0].length;
  return match[0];
};

const parseString = (s: Scan): string => {
  const start = s.pos;
  let i = start + 1;
  while (i < s.text.length && s.text[i] !== '"') i += s.text[i] === '\\' ? 2 : 1;
  if (i >= s.text.length) fail('unterminated string', start);
  s.pos = i + 1;
  let value: unknown;
  try {
    value = JSON.parse(s.text.slice(start, s.pos));
  } catch {
    fail('invalid string (strings are JSON strings: escape quotes and control characters)', start);
  }
  if ((value as string).length > FILTER_LIMITS.stringLength) fail(`string longer than ${FILTER_LIMITS.stringLength} characters`, start);
  return value as string;
};

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

const parseNumber = (s: Scan): number => {
  NUMBER.lastIndex = s.pos;
  const match = NUMBER.exec(s.text);
  if (!match) return fail(`invalid number`, s.pos);
  const value = Number(match[0]);
  if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) {
    fail(`number out of range (at most ${Number.MAX_SAFE_INTEGER} in magnitude)`, s.pos);
  }
  s.pos += match[0].length;
  return value;
};

const WORDS: Record<string, Scalar | typeof NOT_NULL> = { true: true, false: false, null: null, not_null: NOT_NULL };

const parseScalar = (s: Scan): Scalar | typeof NOT_NULL => {
  skipSpace(s);
  const char = s.text[s.pos] ?? '';
  if (char === '"') return parseString(s);
  if (char === '-' || (char >= '0' && char <= '9')) return parseNumber(s);
  const start = s.pos;
  const word = /[A-Za-z_]/.test(char) ? ident(s, 'a value') : fail(`expected a value, found ${found(s)}`, start);
  return Object.hasOwn(WORDS, word) ? WORDS[word]! : fail(`unknown value '${word}' (strings are double-quoted)`, start);
};

const commaSeparated = <T>(s: Scan, parseOne: (index: number) => T): T[] => {
  const items = [parseOne(0)];
  skipSpace(s);
  while (s.text[s.pos] === ',') {
    s.pos += 1;
    items.push(parseOne(items.length));
    skipSpace(s);
  }
  return items;
};

const parseListItem = (s: Scan, index: number): Exclude<Scalar, null> => {
  skipSpace(s);
  const at = s.pos;
  if (s.text[at] === '[') fail('lists cannot be nested', at);
  if (index === FILTER_LIMITS.inItems) fail(`a list holds at most ${FILTER_LIMITS.inItems} values`, at);
  const item = parseScalar(s);
  if (item === NOT_NULL) return fail('not_null only goes with [is]', at);
  return item === null ? fail('a list cannot hold null (use [is]:null)', at) : item;
};

const parseList = (s: Scan): Exclude<Scalar, null>[] => {
  const start = s.pos;
  s.pos += 1;
  skipSpace(s);
  if (s.text[s.pos] === ']') fail('a list needs at least one value', s.pos);
  const items = commaSeparated(s, (index) => parseListItem(s, index));
  expect(s, ']', `to close the list opened at position ${start}`);
  return items;
};

const parseValue = (s: Scan): Value => {
  skipSpace(s);
  return s.text[s.pos] === '[' ? parseList(s) : parseScalar(s);
};

/** Shapes a parsed value for its operator, refusing the combinations that mean nothing. */
const comparisonOf = (base: ComparisonBase, op: Operator, value: Value): Comparison => {
  const at = base.valuePosition;
  if (op === 'is') {
    if (value === null || value === NOT_NULL) return { ...base, op, value: value === null ? 'null' : 'not_null' };
    return fail('[is] takes null or not_null', at);
  }
  if (value === NOT_NULL) return fail('not_null only goes with [is]', at);
  if (op === 'in') return Array.isArray(value) ? { ...base, op, value } : fail('[in] takes a list, e.g. ["a","b"]', at);
  if (Array.isArray(value)) return fail(`a list only goes with [in], not [${op}]`, at);
  if (value === null) return fail(`compare with null using [is]:null, not [${op}]`, at);
  return { ...base, op, value };
};

const parseComparison = (s: Scan, start: number, first: string): Comparison => {
  let field = first;
  while (s.text[s.pos] === '.') {
    s.pos += 1;
    field += `.${ident(s, 'a field name after "."')}`;
  }
  if (s.comparisons === FILTER_LIMITS.comparisons) fail(`more than ${FILTER_LIMITS.comparisons} comparisons`, start);
  s.comparisons += 1;
  skipSpace(s);
  if (s.text[s.pos] === '(') fail(`unknown combinator '${field}' (use and, or, not)`, start);
  expect(s, '[', `after the field name '${field}'`);
  const opAt = s.pos;
  const op = ident(s, 'an operator');
  if (!(OPERATORS as readonly string[]).includes(op)) fail(`unknown operator '${op}' (use ${OPERATORS.join(', ')})`, opAt);
  expect(s, ']', 'after the operator');
  expect(s, ':', `after '[${op}]'`);
  skipSpace(s);
  const base: ComparisonBase = { kind: 'comparison', field, position: start, valuePosition: s.pos };
  return comparisonOf(base, op as Operator, parseValue(s));
};

const parseGroup = (s: Scan, kind: 'and' | 'or' | 'not', start: number, depth: number): FilterNode => {
  if (depth > FILTER_LIMITS.depth) fail(`nested deeper than ${FILTER_LIMITS.depth} levels`, start);
  expect(s, '(', `after '${kind}'`);
  const items = commaSeparated(s, () => parseNode(s, depth));
  expect(s, ')', `to close the '${kind}(' opened at position ${start}`);
  if (kind !== 'not') return { kind, items };
  return items.length === 1 ? { kind, item: items[0]! } : fail('not() takes exactly one condition', start);
};

const parseNode = (s: Scan, depth: number): FilterNode => {
  skipSpace(s);
  const start = s.pos;
  const word = ident(s, 'a field name or and(, or(, not(');
  const afterWord = s.pos;
  skipSpace(s);
  const isGroup = (word === 'and' || word === 'or' || word === 'not') && s.text[s.pos] === '(';
  if (isGroup) return parseGroup(s, word, start, depth + 1);
  s.pos = afterWord;
  return parseComparison(s, start, word);
};

/**
 * Parses a filter into its AST; a blank filter is no filter (`undefined`).
 * @throws InvalidInputError `invalid_filter`, with `extra.position`, on any syntax error or bound.
 */
export const parseFilter = (text: string | undefined): FilterNode | undefined => {
  if (text === undefined || text.trim() === '') return undefined;
  if (text.length > FILTER_LIMITS.length) fail(`longer than ${FILTER_LIMITS.length} characters`, FILTER_LIMITS.length);
  const s: Scan = { text, pos: 0, comparisons: 0 };
  const node = parseNode(s, 0);
  skipSpace(s);
  if (s.pos < text.length) fail(`unexpected ${found(s)} after the end of the condition`, s.pos);
  return node;
};

/** Bounds on a full-text search `q`. */
export const SEARCH_LIMITS = { length: 200, terms: 16 } as const;

const searchError = (message: string): InvalidInputError =>
  new InvalidInputError('invalid_search', `Invalid search: ${message}`, [{ pointer: '/q', message }]);

/**
 * `q` as a safe FTS5 query: each whitespace-separated term becomes a quoted phrase, so no FTS5
 * syntax (AND, OR, NEAR, column filters, `*`, `^`) ever passes through; every term must match, and
 * the last one matches as a prefix so results follow what the user is typing. No term at all
 * gives `""`, which matches nothing.
 * @throws InvalidInputError `invalid_search` beyond 200 characters or 16 terms.
 */
export const ftsQuery = (q: string): string => {
  if (q.length > SEARCH_LIMITS.length) throw searchError(`longer than ${SEARCH_LIMITS.length} characters`);
  const terms = q.replace(/\p{Cc}/gu, ' ').split(/\s+/).filter((term) => term !== '');
  if (terms.length > SEARCH_LIMITS.terms) throw searchError(`more than ${SEARCH_LIMITS.terms} terms`);
  if (terms.length === 0) return '""';
  return terms.map((term, i) => `"${term.replaceAll('"', '""')}"${i === terms.length - 1 ? '*' : ''}`).join(' ');
};
