/**
 * Reporting periods (Sales targets and reports): a year `2026`, a quarter `2026-Q4` or a month
 * `2026-11`, each a half-open range of UTC days `[start, end)` (`2026-Q4` → 2026-10-01 to
 * 2027-01-01). Dates and times compare as ISO strings, so a range filters `YYYY-MM-DD` and
 * ISO instants alike.
 */

export type Interval = 'year' | 'quarter' | 'month';
export const INTERVALS: readonly Interval[] = ['year', 'quarter', 'month'];

/** A parsed period: its granularity and its UTC range (dates `YYYY-MM-DD`, end exclusive). */
export type Period = { key: string; interval: Interval; start: string; end: string };

const GRAMMAR = /^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$/;

const date = (year: number, month: number): string => `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-01`;

/** The months `[from, to)` as dates; `to` may be month 13 (the next year's January). */
const range = (year: number, from: number, to: number): Pick<Period, 'start' | 'end'> => ({
  start: date(year, from),
  end: to > 12 ? date(year + 1, to - 12) : date(year, to),
});

/** The period a key names, or undefined when it is not in the grammar (years 1970 to 9998). */
export const parsePeriod = (key: string): Period | undefined => {
  const match = GRAMMAR.exec(key);
  if (!match) return undefined;
  const year = Number(match[1]);
  if (year < 1970 || year > 9998) return undefined;
  if (match[2] !== undefined) {
    const first = (Number(match[2]) - 1) * 3 + 1;
    return { key, interval: 'quarter', ...range(year, first, first + 3) };
  }
  if (match[3] !== undefined) return { key, interval: 'month', ...range(year, Number(match[3]), Number(match[3]) + 1) };
  return { key, interval: 'year', ...range(year, 1, 13) };
};

/** The key of the period of `interval` that holds an ISO date or instant (UTC). */
export const periodKeyOf = (iso: string, interval: Interval): string => {
  const year = iso.slice(0, 4);
  const month = Number(iso.slice(5, 7));
  if (interval === 'year') return year;
  return interval === 'month' ? `${year}-${iso.slice(5, 7)}` : `${year}-Q${Math.ceil(month / 3)}`;
};
