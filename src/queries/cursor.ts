/**
 * Pagination for the list engine: the sort order, the page size, opaque cursors and the keyset
 * condition "rows after this position".
 *
 * A cursor holds the last row's values of every sort key (the id tie-breaker last): under
 * `sort=lastName`, a person's name. It is sealed (AES-256-GCM under a key derived from the master
 * key, base64url), so a URL in a log or a browser's history shows nothing of the row. The
 * fingerprint of the query it came from (list, tenant, row scope, sort, filter, search) is its
 * associated data: a cursor replayed against any other query, or altered, does not open (400
 * `invalid_cursor`). Every condition of the query still applies to the rows after it.
 *
 * Order semantics are SQLite's: NULL is the smallest value, so NULLs come first ascending and last
 * descending; the keyset condition follows the same rule, so walking the pages yields exactly the
 * rows of `ORDER BY` once each, and rows inserted while paging never duplicate or hide others.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync } from 'node:crypto';
import { InvalidInputError } from '../errors.js';
import type { ListSpec } from './list.js';

/** A value a cursor holds: what better-sqlite3 answers for a sortable column. */
export type CursorValue = string | number | null;

/** One key of the total order a list is read in (`notNull` when the column can never hold NULL). */
export type SortKey = { column: string; desc: boolean; notNull: boolean };

/** A SQL fragment and its bound values (every value is a parameter, never text in `sql`). */
export type Sql = { sql: string; bindings: unknown[] };

const MAX_CURSOR_LENGTH = 8192;

/** Quotes a column or table name taken from a list spec (never from client input). */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** `"table"."column"`: qualified, so subqueries (json_each, FTS) cannot capture the name. */
export const qualified = (table: string, column: string): string => `${quoteIdent(table)}.${quoteIdent(column)}`;

/** Joins fragments with AND / OR, each parenthesised so no precedence leaks across them. */
export const joined = (parts: readonly Sql[], operator: 'AND' | 'OR'): Sql => ({
  sql: parts.map((p) => `(${p.sql})`).join(` ${operator} `),
  bindings: parts.flatMap((p) => p.bindings),
});

const SORT_LIMITS = { keys: 4, length: 200 } as const;

const sortError = (message: string): InvalidInputError =>
  new InvalidInputError('invalid_sort', `Invalid sort: ${message}`, [{ pointer: '/sort', message }]);

const sortKeyOf = (spec: ListSpec, name: string, notNull: ReadonlySet<string>): SortKey => {
  const desc = name.startsWith('-');
  const api = desc ? name.slice(1) : name;
  const field = spec.sortable.includes(api) && Object.hasOwn(spec.fields, api) ? spec.fields[api] : undefined;
  if (!field || field.type === 'tags') throw sortError(`unknown field ${JSON.stringify(api)} (sortable: ${spec.sortable.join(', ')})`);
  const column = field.sortColumn ?? field.column;
  return { column, desc, notNull: column === spec.idColumn || notNull.has(column) };
};

/**
 * The keys of `sort` (`-createdAt,lastName`: `-` for descending; blank: the spec's default), at
 * most 4, ending with the id in the last key's direction so one index can serve the whole order.
 * `notNull` names the table's NOT NULL columns.
 * @throws InvalidInputError `invalid_sort` for an unknown, unsortable or repeated field.
 */
export const parseSort = (spec: ListSpec, sort: string | undefined, notNull: ReadonlySet<string>): SortKey[] => {
  const text = sort === undefined || sort.trim() === '' ? spec.defaultSort : sort;
  const names = text.split(',').map((name) => name.trim());
  if (text.length > SORT_LIMITS.length || names.length > SORT_LIMITS.keys) {
    throw sortError(`at most ${SORT_LIMITS.keys} fields and ${SORT_LIMITS.length} characters`);
  }
  const keys = names.map((name) => sortKeyOf(spec, name, notNull));
  if (new Set(keys.map((k) => k.column)).size < keys.length) throw sortError('a field appears twice');
  if (keys.some((k) => k.column === spec.idColumn)) return keys;
  return [...keys, { column: spec.idColumn, desc: keys.at(-1)!.desc, notNull: true }];
};

/**
 * The page size: 50 when absent; otherwise an integer from 1 to 200. Anything else, including a
 * larger number, is a 400 `invalid_limit` rather than silently clamped, so a client never mistakes
 * a short page for the end of the list.
 */
export const limitOf = (input: number | string | undefined): number => {
  if (input === undefined || input === '') return 50;
  const n = typeof input === 'number' ? input : /^[0-9]{1,4}$/.test(input) ? Number(input) : Number.NaN;
  if (Number.isInteger(n) && n >= 1 && n <= 200) return n;
  const message = 'limit must be an integer from 1 to 200';
  throw new InvalidInputError('invalid_limit', message, [{ pointer: '/limit', message }]);
};

export const cursorError = (message: string): InvalidInputError =>
  new InvalidInputError('invalid_cursor', `Invalid cursor: ${message}`, [{ pointer: '/cursor', message }]);

/** A short digest of what makes two requests the same query (for the cursor's fingerprint). */
export const fingerprintOf = (parts: readonly unknown[]): string =>
  createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);

const isValue = (value: unknown): value is CursorValue =>
  value === null || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));

/** The values of the sort keys in a row: the position a cursor records. */
export const positionOf = (row: Readonly<Record<string, unknown>>, keys: readonly SortKey[]): CursorValue[] =>
  keys.map(({ column }) => {
    const value = row[column];
    if (isValue(value)) return value;
    throw new Error(`Sort column ${column} holds a value a cursor cannot carry (${typeof value})`);
  });

/**
 * The keys sealing cursors, derived (HKDF) from the master key: a cursor outlives a restart and
 * any replica opens another's; a master-key rotation invalidates them (`invalid_cursor`).
 */
export type CursorKey = { readonly cipher: Buffer; readonly nonce: Buffer };

export const cursorKeyOf = (masterKey: Buffer): CursorKey => {
  const derive = (use: string) => Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `crm list cursor v1\0${use}`, 32));
  return { cipher: derive('cipher'), nonce: derive('nonce') };
};

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The opaque cursor for a position in the query with this fingerprint. The nonce is a MAC of the
 * fingerprint and the position (a synthetic IV), not random: one key seals every cursor a
 * deployment issues, beyond the 2^32 a random 96-bit nonce is safe for; it repeats only with its message.
 */
export const encodeCursor = (key: CursorKey, position: readonly CursorValue[], fingerprint: string): string => {
  const plaintext = Buffer.from(JSON.stringify(position));
  const ad = Buffer.from(fingerprint);
  const nonce = createHmac('sha256', key.nonce).update(ad).update('\0').update(plaintext).digest().subarray(0, NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.cipher, nonce, { authTagLength: TAG_BYTES }).setAAD(ad);
  return Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]).toString('base64url');
};

const opened = (key: CursorKey, sealed: Buffer, fingerprint: string): unknown => {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.cipher, sealed.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(fingerprint)).setAuthTag(sealed.subarray(-TAG_BYTES));
    return JSON.parse(Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, -TAG_BYTES)), decipher.final()]).toString('utf8'));
  } catch {
    return undefined;
  }
};

/**
 * The position a cursor holds, checked strictly against the query it is replayed with.
 * @throws InvalidInputError `invalid_cursor` when it is malformed, altered, or from another query
 *   (list, tenant, row scope, sort, filter or search) or another master key.
 */
export const decodeCursor = (key: CursorKey, cursor: string, keys: readonly SortKey[], fingerprint: string): CursorValue[] => {
  const refused = cursorError('not a cursor of this list and query (tenant, row scope, sort, filter and search), or altered');
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw refused;
  const sealed = Buffer.from(cursor, 'base64url');
  // Buffer decoding is lenient (stray bits): only the canonical encoding is ours.
  if (sealed.length < NONCE_BYTES + TAG_BYTES || sealed.toString('base64url') !== cursor) throw refused;
  const v = opened(key, sealed, fingerprint);
  if (v === undefined) throw refused;
  const fits =
    Array.isArray(v) &&
    v.length === keys.length &&
    v.every((value, i) => isValue(value) && (value !== null || !keys[i]!.notNull));
  if (!fits) throw cursorError('its position does not match the sort');
  return v as CursorValue[];
};

/** Rows strictly after `value` on one key, in that key's direction. */
const beyond = (key: SortKey, col: string, value: CursorValue): Sql | undefined => {
  if (value === null) return key.desc ? undefined : { sql: `${col} IS NOT NULL`, bindings: [] };
  if (!key.desc) return { sql: `${col} > ?`, bindings: [value] };
  return key.notNull ? { sql: `${col} < ?`, bindings: [value] } : { sql: `${col} < ? OR ${col} IS NULL`, bindings: [value] };
};

const same = (key: SortKey, col: string, value: CursorValue): Sql => ({
  sql: key.notNull ? `${col} = ?` : `${col} IS ?`,
  bindings: [value],
});

/** A redundant range on the first key that SQLite can seek an index with (the OR form cannot). */
const leadingBound = (key: SortKey, col: string, value: CursorValue): Sql | undefined => {
  if (value === null) return key.desc ? { sql: `${col} IS NULL`, bindings: [] } : undefined;
  if (!key.desc) return { sql: `${col} >= ?`, bindings: [value] };
  return key.notNull ? { sql: `${col} <= ?`, bindings: [value] } : undefined;
};

/**
 * The condition "after `position`" in the order of `keys` (columns of `table`). Keys that are all
 * NOT NULL and one direction use a row-value comparison (one index seek); otherwise the exact
 * lexicographic OR expansion, NULL-aware, behind a seekable bound on the first key.
 */
const keysetCondition = (table: string, keys: readonly SortKey[], position: readonly CursorValue[]): Sql => {
  const cols = keys.map((k) => qualified(table, k.column));
  const values = keys.map((_, i) => position[i] ?? null);
  if (keys.every((k) => k.notNull && k.desc === keys[0]!.desc)) {
    const marks = values.map(() => '?').join(', ');
    return { sql: `(${cols.join(', ')}) ${keys[0]!.desc ? '<' : '>'} (${marks})`, bindings: values };
  }
  const disjuncts = keys.flatMap((key, i) => {
    const step = beyond(key, cols[i]!, values[i]!);
    const ties = keys.slice(0, i).map((k, j) => same(k, cols[j]!, values[j]!));
    return step ? [joined([...ties, step], 'AND')] : [];
  });
  const expansion = joined(disjuncts, 'OR');
  const bound = leadingBound(keys[0]!, cols[0]!, values[0]!);
  return bound ? joined([bound, expansion], 'AND') : expansion;
};

/**
 * "After `position`" as consecutive segments of the order, each one seekable by an index: the rows
 * after the position are those of the first segment, then those of the next, and so on. A nullable
 * first key splits the order into its NULL run and its non-NULL run, since one condition spanning
 * both (`k < ? OR k IS NULL`) would make SQLite scan from the top of the list on every page.
 */
export const keysetSegments = (table: string, keys: readonly SortKey[], position: readonly CursorValue[]): Sql[] => {
  const [first, ...rest] = keys;
  if (!first || first.notNull || rest.length === 0) return [keysetCondition(table, keys, position)];
  const col = qualified(table, first.column);
  if (position[0] !== null) {
    const run = [keysetCondition(table, [{ ...first, notNull: true }, ...rest], position)];
    return first.desc ? [...run, { sql: `${col} IS NULL`, bindings: [] }] : run;
  }
  const nullRun = joined([{ sql: `${col} IS NULL`, bindings: [] }, keysetCondition(table, rest, position.slice(1))], 'AND');
  return first.desc ? [nullRun] : [nullRun, { sql: `${col} IS NOT NULL`, bindings: [] }];
};
