/**
 * Bulk import of records from CSV (contacts, leads): the header names the kind's writable fields
 * (plus `ownerId` and `tags`, `;`-separated); each row becomes the kind's create command and goes
 * through the caller's create path (validation, uniqueness, the one command handler). Rows are
 * handled a bounded number at a time, so memory stays flat however long the file.
 *
 * Each row's command id derives from (tenant, kind, hash of its normalized content, occurrence of
 * identical rows so far), so importing the same file again creates nothing twice: those rows come
 * back `skipped`. A row's problem is reported and the import goes on; a problem with the file
 * (header, size, unreadable record) or with the system (5xx) stops it, answering the summary so far.
 */
import { createHash } from 'node:crypto';
import { AppError, InvalidInputError, RuleViolationError, type FieldError } from '../../errors.js';
import type { RecordKind } from '../../events/catalogue.js';
import { unguardFormula } from '../../events/csv-guard.js';
import { canonicalJson } from '../../events/log/canonical-json.js';
import type { EventStore, JsonObject, JsonValue } from '../../events/log/port.js';
import { streamName } from '../../events/log/stream-name.js';
import { recordValidators, type CreateBody } from '../catalogue.js';
import { importRowCommandIdFor, recordIdFor } from '../event-ids.js';
import type { CsvRecord } from './csv.js';
import type { KeyedLock } from '../../process-locks.js';

/** One row ready to create: its spreadsheet row number, the record id and command id it gets, its body. */
export type ImportRow = { line: number; id: string; commandId: string; body: CreateBody };

export type ImportPlan = {
  kind: RecordKind;
  tenantId: string;
  /** The log, to recognise a row imported before (its record's stream exists). */
  store: Pick<EventStore, 'readStream'>;
  /** Creates the row's record; a 4xx `AppError` fails only this row. */
  /** Creates the row's record; a 4xx `AppError` fails only this row. `replayed`: another import created it meanwhile. */
  create: (row: ImportRow) => Promise<{ replayed?: true } | undefined>;
  /** Held over a row's check and create (by record id), so two imports of one file count each row once; none by default. */
  lock?: KeyedLock;
  /** Rows in flight at once (default 16). */
  concurrency?: number;
};

export type RowError = { row: number; code: string; detail: string; errors?: FieldError[] };

export type ImportSummary = {
  rows: number; created: number; skipped: number; failed: number;
  /** The first 1000 row errors to happen, in row order; `errorsOmitted` counts the rest. */
  errors: RowError[]; errorsOmitted: number;
};

const MAX_ERRORS = 1000;
const DEFAULT_CONCURRENCY = 16;

type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'tags';
type Column = { name: string; type: ColumnType };

const validators = new WeakMap<RecordKind, ReturnType<typeof recordValidators>['create']>();

// One compiled validator per kind: ajv keeps every schema it compiles.
const createValidator = (kind: RecordKind) => {
  let validate = validators.get(kind);
  if (!validate) validators.set(kind, (validate = recordValidators(kind).create));
  return validate;
};

/** The columns a CSV of this kind may have, by name: the writable scalar fields, `ownerId`, `tags`. */
const importableColumns = (kind: RecordKind): Map<string, ColumnType> => {
  const columns = new Map<string, ColumnType>([['ownerId', 'string'], ['tags', 'tags']]);
  for (const [name, schema] of Object.entries(kind.fields)) {
    const type = schema.type;
    if (kind.readOnly?.includes(name)) continue;
    if (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean') columns.set(name, type);
  }
  return columns;
};

/**
 * The header row as columns of `kind`.
 * @throws RuleViolationError (422) `unknown_column`, `duplicate_column` or `missing_column`, before any row is read.
 */
export const importColumns = (kind: RecordKind, header: readonly string[]): Column[] => {
  const known = importableColumns(kind);
  const names = header.map((name) => name.trim());
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    // An empty header cell (a spreadsheet's trailing comma) is named by its place, or the detail would name nothing.
    const named = names.flatMap((name, i) => (known.has(name) ? [] : [name === '' ? `an unnamed column (column ${i + 1})` : name]));
    throw new RuleViolationError('unknown_column', `Unknown columns: ${named.join(', ')}`, { unknown, known: [...known.keys()] });
  }
  const duplicated = names.filter((name, i) => names.indexOf(name) !== i);
  if (duplicated.length > 0) throw new RuleViolationError('duplicate_column', `Columns named twice: ${duplicated.join(', ')}`, { duplicated });
  const missing = kind.required.filter((name) => !names.includes(name));
  if (missing.length > 0) throw new RuleViolationError('missing_column', `Required columns missing: ${missing.join(', ')}`, { missing });
  return names.map((name) => ({ name, type: known.get(name)! }));
};

// A cell that does not read as its type stays a string, so validation names the field.
const cellValue = (type: ColumnType, cell: string): JsonValue => {
  switch (type) {
    case 'string':
      return cell;
    case 'integer':
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(cell) ? Number(cell) : cell;
    case 'boolean':
      return cell === 'true' ? true : cell === 'false' ? false : cell;
    case 'tags':
      return cell.split(';').map((tag) => tag.trim()).filter((tag) => tag !== '');
    default:
      return unreachableColumn(type);
  }
};

const unreachableColumn = (type: never): never => {
  throw new Error(`Unexpected column type: ${String(type)}`);
};

// A NUL is refused as in a JSON body (`invalid_text`); it is also what the reader makes of bytes that are not UTF-8.
const NOT_TEXT = /\u0000/;

/** Refuses a cell the API would not take as text, rather than storing a NUL or a file's Latin-1 bytes garbled. */
const assertText = (column: Column, cell: string): void => {
  if (!NOT_TEXT.test(cell)) return;
  throw new InvalidInputError('invalid_text', 'Text must be UTF-8 without NUL characters (save the file as UTF-8)', [
    { pointer: `/${column.name}`, message: 'a NUL, or bytes that are not UTF-8' },
  ]);
};

/** A row's cells as a create body: trimmed, an export's formula guard taken off (`unguardFormula`), empty cells absent. */
export const rowBody = (columns: readonly Column[], cells: readonly string[]): JsonObject => {
  if (cells.length !== columns.length) {
    throw new RuleViolationError('column_count', `The row has ${cells.length} cells; the header names ${columns.length} columns`);
  }
  const body: JsonObject = {};
  columns.forEach((column, i) => {
    assertText(column, cells[i]!);
    const cell = unguardFormula(cells[i]!.trim()).trim();
    if (cell !== '') body[column.name] = cellValue(column.type, cell);
  });
  return body;
};

/** The hash of a row's content; identical rows (whatever their column order) hash alike. */
export const contentHash = (body: JsonObject): string => createHash('sha256').update(canonicalJson(body)).digest('base64url');

type Run = { plan: ImportPlan; columns: Column[]; seen: Map<string, number>; summary: ImportSummary };

const identify = (run: Run, line: number, body: CreateBody): ImportRow => {
  const hash = contentHash(body);
  const key = hash.slice(0, 16); // 96 bits: enough to count repeats, a third of the memory
  const occurrence = (run.seen.get(key) ?? 0) + 1;
  run.seen.set(key, occurrence);
  const commandId = importRowCommandIdFor(run.plan.tenantId, run.plan.kind.type, hash, occurrence);
  return { line, id: recordIdFor(commandId), commandId, body };
};

const report = (summary: ImportSummary, line: number, error: AppError): void => {
  summary.failed += 1;
  if (summary.errors.length >= MAX_ERRORS) {
    summary.errorsOmitted += 1;
    return;
  }
  summary.errors.push({ row: line, code: error.code, detail: error.message, ...(error.errors.length > 0 ? { errors: [...error.errors] } : {}) });
};

/** Reads, checks and identifies the row synchronously (identity follows file order), then creates it. */
const startRow = (run: Run, record: CsvRecord): Promise<void> => {
  run.summary.rows += 1;
  let row: ImportRow;
  try {
    if ('error' in record) throw new RuleViolationError(record.error.code, record.error.detail);
    row = identify(run, record.line, createValidator(run.plan.kind)(rowBody(run.columns, record.fields)));
  } catch (error) {
    return Promise.reject(error).catch(rowFailure(run, record.line));
  }
  return createOnce(run.plan, row).then((outcome) => void (run.summary[outcome] += 1), rowFailure(run, record.line));
};

/** `skipped` when the row's record exists: an earlier import of this row (even if archived or erased since). */
const createOnce = async (plan: ImportPlan, row: ImportRow): Promise<'created' | 'skipped'> => {
  const turn = await plan.lock?.([`${plan.tenantId}\0import\0${row.id}`]);
  try {
    const existing = await plan.store.readStream(streamName(plan.tenantId, plan.kind.type, row.id), { maxCount: 1 });
    if (existing.length > 0) return 'skipped';
    return (await plan.create(row))?.replayed ? 'skipped' : 'created';
  } finally {
    await turn?.release();
  }
};

/** A row's own problem (4xx) is reported; anything else stops the import. */
const rowFailure = (run: Run, line: number) => (error: unknown): void => {
  if (!(error instanceof AppError) || error.status >= 500) throw error;
  report(run.summary, line, error);
};

// Rows finish out of order (a few are in flight at once); the answer lists them in file order.
const byRow = (summary: ImportSummary): ImportSummary => ({ ...summary, errors: summary.errors.sort((a, b) => a.row - b.row) });

const emptySummary = (): ImportSummary => ({ rows: 0, created: 0, skipped: 0, failed: 0, errors: [], errorsOmitted: 0 });

/** The file's problem, carrying the summary of what was done before it. */
const aborted = (error: unknown, summary: ImportSummary): unknown =>
  error instanceof AppError
    ? new AppError(error.code, error.status, error.message, { errors: [...error.errors], extra: { ...error.extra, summary }, headers: { ...error.headers }, cause: error })
    : error;

const headerOf = async (records: AsyncIterator<CsvRecord>, kind: RecordKind): Promise<Column[]> => {
  const first = await records.next();
  if (first.done) throw new RuleViolationError('empty_file', 'The file has no header row');
  if ('error' in first.value) throw new RuleViolationError('csv_malformed', `The header row: ${first.value.error.detail}`);
  return importColumns(kind, first.value.fields);
};

/** Starts rows until `concurrency` are in flight, then waits for one to finish before reading on. */
const drain = async (run: Run, records: AsyncIterator<CsvRecord>): Promise<void> => {
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const limit = run.plan.concurrency ?? DEFAULT_CONCURRENCY;
  try {
    for (let next = await records.next(); !next.done && !failure; next = await records.next()) {
      const task: Promise<void> = startRow(run, next.value)
        .catch((error: unknown) => void (failure ??= { error }))
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
      if (inFlight.size >= limit) await Promise.race(inFlight);
    }
  } finally {
    await Promise.all(inFlight);
  }
  if (failure) throw failure.error;
};

/**
 * Imports the records of a CSV (header first) into `plan.kind`, answering what happened to each row.
 * @throws RuleViolationError (422) for a bad header, before anything is created; any error that
 * stops the import midway carries `summary` (what was done before) in its extra members.
 */
export const importRecords = async (records: AsyncIterable<CsvRecord>, plan: ImportPlan): Promise<ImportSummary> => {
  const iterator = records[Symbol.asyncIterator]();
  const run: Run = { plan, columns: await headerOf(iterator, plan.kind), seen: new Map(), summary: emptySummary() };
  try {
    await drain(run, iterator);
  } catch (error) {
    await iterator.return?.();
    throw aborted(error, byRow(run.summary));
  }
  return byRow(run.summary);
};
