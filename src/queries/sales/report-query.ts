/**
 * The parameters every sales report takes, checked once (422 `invalid_report_query`, with a field
 * error per parameter), and the SQL pieces the reports share: conditions with bound values, the
 * period key of a date column, and the live tables of the reports read model.
 */
import type Database from 'better-sqlite3';
import { RuleViolationError, type FieldError } from '../../errors.js';
import { INTERVALS, parsePeriod, type Interval } from '../../events/sales/period.js';
import { REPORTS_PROJECTION } from '../../projections/sales/reports.js';
import { resolveTable } from '../../projections/registry.js';

export const REPORT_PARAMS = ['from', 'to', 'interval', 'owner', 'pipeline', 'currency'] as const;
export type ReportParam = (typeof REPORT_PARAMS)[number];

/**
 * A report's parameters: `from`/`to` periods bound a half-open UTC range `[start(from), end(to))`
 * (either may be absent: unbounded), `interval` groups by year, quarter or month (default month).
 */
export type ReportQuery = {
  start?: string; end?: string; interval: Interval; ownerId?: string; pipeline?: string; currency?: string;
  /** The figures must be `ownerId`'s alone (a reader limited to their own): a team's are left out. */
  ownerOnly?: boolean;
  /** Only target records this user owns (a reader of targets limited to their own). */
  targetsOwnedBy?: string;
  /** The tenant's commit threshold (its sales configuration), for the reports that forecast. */
  commitProbability?: number;
};

const ID = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/;
const SLUG = /^[a-z][a-z0-9_]{0,49}$/;
const CURRENCY = /^[A-Z]{3}$/;

type Raw = Partial<Record<ReportParam, string>>;

const matching = (raw: Raw, name: ReportParam, pattern: RegExp, errors: FieldError[]): string | undefined => {
  const value = raw[name];
  if (value !== undefined && !pattern.test(value)) errors.push({ pointer: `/query/${name}`, message: `does not match ${pattern.source}` });
  return value;
};

const periodParam = (raw: Raw, name: 'from' | 'to', errors: FieldError[]) => {
  const value = raw[name];
  if (value === undefined) return undefined;
  const period = parsePeriod(value);
  if (!period) errors.push({ pointer: `/query/${name}`, message: 'is not a period (YYYY, YYYY-Qn or YYYY-MM)' });
  return period;
};

const intervalParam = (raw: Raw, errors: FieldError[]): Interval => {
  const value = raw.interval ?? 'month';
  if ((INTERVALS as readonly string[]).includes(value)) return value as Interval;
  errors.push({ pointer: '/query/interval', message: `is one of ${INTERVALS.join(', ')}` });
  return 'month';
};

/** The checked parameters; 422 `invalid_report_query` naming each invalid one. */
export const reportQueryOf = (raw: Raw): ReportQuery => {
  const errors: FieldError[] = [];
  const from = periodParam(raw, 'from', errors);
  const to = periodParam(raw, 'to', errors);
  if (from && to && from.start >= to.end) errors.push({ pointer: '/query/to', message: 'ends before from starts' });
  const query: ReportQuery = {
    interval: intervalParam(raw, errors),
    ...(from ? { start: from.start } : {}),
    ...(to ? { end: to.end } : {}),
  };
  const ownerId = matching(raw, 'owner', ID, errors);
  const pipeline = matching(raw, 'pipeline', SLUG, errors);
  const currency = matching(raw, 'currency', CURRENCY, errors);
  if (errors.length > 0) throw new RuleViolationError('invalid_report_query', 'Invalid report parameters', { errors });
  return { ...query, ...(ownerId ? { ownerId } : {}), ...(pipeline ? { pipeline } : {}), ...(currency ? { currency } : {}) };
};

/** SQL conditions joined by AND, with their bound values in order. */
export type Where = { sql: string; bindings: unknown[] };

/** `conditions` (each `[sql, ...values]`, skipped when undefined) as one WHERE body. */
export const where = (...conditions: Array<readonly [string, ...unknown[]] | undefined>): Where => {
  const kept = conditions.filter((c): c is readonly [string, ...unknown[]] => c !== undefined);
  return { sql: kept.map(([sql]) => `(${sql})`).join(' AND ') || '1', bindings: kept.flatMap(([, ...values]) => values) };
};

/** The range conditions on an ISO column (dates and instants compare as text). */
export const inRange = (column: string, query: Pick<ReportQuery, 'start' | 'end'>) => [
  query.start === undefined ? undefined : ([`${column} >= ?`, query.start] as const),
  query.end === undefined ? undefined : ([`${column} < ?`, query.end] as const),
];

/** SQL for the period key of an ISO text column, as `periodKeyOf` computes it (`column` is ours, never input). */
export const periodKeySql = (column: string, interval: Interval): string => {
  if (interval === 'year') return `substr(${column}, 1, 4)`;
  if (interval === 'month') return `substr(${column}, 1, 7)`;
  return `substr(${column}, 1, 4) || '-Q' || ((CAST(substr(${column}, 6, 2) AS INTEGER) + 2) / 3)`;
};

/** The live physical name of a reports table (followed across rebuilds). */
export const factTable = (db: Database.Database, logical: string): string => `"${resolveTable(db, REPORTS_PROJECTION, logical)}"`;

/** A share as a fraction rounded to 4 decimals (null when there is nothing to share). */
export const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000);
