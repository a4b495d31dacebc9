/**
 * Streaming export of a whole list (filter, sort, search and policy applied, like `listPage`) as
 * CSV or JSONL. Pages are read by keyset, one page per `_read`, so a slow consumer holds the
 * export back instead of the export buffering the table in memory. Each page is its own snapshot:
 * rows written while an export runs may or may not appear, but no row appears twice.
 */
import { Readable } from 'node:stream';
import type BetterSqlite3 from 'better-sqlite3';
import { unreachable } from '../commands/decider.js';
import { InvalidInputError } from '../errors.js';
import { guardFormula } from '../events/csv-guard.js';
import type { CursorValue } from './cursor.js';
import { prepareList, type ListOptions, type ListSpec, type Row } from './list.js';

export type ExportFormat = 'csv' | 'jsonl';

/** A column: a field of the spec by API name, or a header with the function computing its value. */
export type ExportColumn = string | { header: string; value: (row: Row) => unknown };

type Column = { header: string; value: (row: Row) => unknown };
type Serialiser = { head: string; line: (row: Row) => string };

const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

/**
 * One CSV field per RFC 4180. A string that a spreadsheet would run as a formula is guarded
 * (`guardFormula`: an import takes the guard off); numbers are left alone, they cannot be formulas. A
 * list of strings (tags) is `;`-separated, as an import reads it; other objects are JSON.
 */
export const csvField = (value: unknown): string => {
  const text = value === null || value === undefined ? '' : isStringList(value) ? value.join(';')
    : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const safe = typeof value === 'string' || isStringList(value) ? guardFormula(text) : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

const tagsOf = (stored: unknown): unknown => {
  if (typeof stored !== 'string') return stored;
  try {
    return JSON.parse(stored);
  } catch {
    return stored;
  }
};

/** A spec field as an export value: tags as arrays, booleans as true/false. */
const fieldColumn = (spec: ListSpec, name: string): Column => {
  const field = Object.hasOwn(spec.fields, name) ? spec.fields[name] : undefined;
  if (!field) {
    const message = `unknown column '${name}'`;
    throw new InvalidInputError('invalid_columns', `Invalid export columns: ${message}`, [{ pointer: '/columns', message }]);
  }
  const { column } = field;
  switch (field.type) {
    case 'tags':
      return { header: name, value: (row) => tagsOf(row[column]) };
    case 'boolean':
      return { header: name, value: (row) => (row[column] === null ? null : Boolean(row[column])) };
    case 'string':
    case 'email':
    case 'number':
    case 'integer':
    case 'datetime':
      return { header: name, value: (row) => row[column] };
    default:
      return unreachable(field.type);
  }
};

const serialiserOf = (format: ExportFormat, columns: readonly Column[]): Serialiser => {
  switch (format) {
    case 'csv':
      return {
        head: `${columns.map((c) => csvField(c.header)).join(',')}\r\n`,
        line: (row) => `${columns.map((c) => csvField(c.value(row))).join(',')}\r\n`,
      };
    case 'jsonl':
      return { head: '', line: (row) => `${JSON.stringify(Object.fromEntries(columns.map((c) => [c.header, c.value(row)])))}\n` };
    default:
      return unreachable(format);
  }
};

/** A byte stream producing one chunk per `_read`: the consumer's pace sets the reading pace. */
const pagedStream = (next: () => { chunk: string; done: boolean }): Readable => {
  const stream: Readable = new Readable({
    read: () => {
      try {
        const { chunk, done } = next();
        if (chunk !== '') stream.push(chunk);
        if (done) stream.push(null);
      } catch (error) {
        stream.destroy(error as Error);
      }
    },
  });
  return stream;
};

/**
 * The whole list as a byte stream of CSV (header line, CRLF) or JSONL (one object per line, keyed
 * by column header). `options.limit` and `options.cursor` are ignored: an export starts at the top
 * and reads `pageSize` rows a page (default 500) until the end. Every parameter is checked before
 * the stream exists, so a bad request throws here rather than failing mid-stream.
 * @throws InvalidInputError as `prepareList`, or `invalid_columns` for a column the spec lacks.
 */
export const exportRows = (
  db: BetterSqlite3.Database,
  spec: ListSpec,
  options: ListOptions,
  format: ExportFormat,
  columns: readonly ExportColumn[],
  { pageSize = 500 }: { pageSize?: number } = {},
): Readable => {
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`pageSize must be a positive integer, not ${pageSize}`);
  const list = prepareList(db, spec, { ...options, limit: undefined, cursor: undefined });
  const serialiser = serialiserOf(format, columns.map((c) => (typeof c === 'string' ? fieldColumn(spec, c) : c)));
  let position: CursorValue[] | undefined;
  let head = serialiser.head;
  return pagedStream(() => {
    const rows = list.rowsAfter(position, pageSize);
    const page = rows.slice(0, pageSize);
    const chunk = head + page.map(serialiser.line).join('');
    head = '';
    const last = page.at(-1);
    position = rows.length > pageSize && last ? list.positionOf(last) : undefined;
    return { chunk, done: position === undefined };
  });
};
