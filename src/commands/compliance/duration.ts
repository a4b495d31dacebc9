/** ISO 8601 durations of whole years, months, weeks and days (`P24M`, `P1Y6M`, `P30D`), for retention limits. */
import { InvalidInputError } from '../../errors.js';

const DURATION = /^P(?!$)(?:(\d{1,3})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})W)?(?:(\d{1,5})D)?$/;

export type Duration = { years: number; months: number; weeks: number; days: number };

export const parseDuration = (text: string): Duration => {
  const match = DURATION.exec(text);
  if (!match) {
    throw new InvalidInputError('invalid_duration', 'olderThan must be an ISO 8601 duration such as P24M or P1Y6M', [
      { pointer: '/olderThan', message: 'not a duration of years, months, weeks and days' },
    ]);
  }
  const [years, months, weeks, days] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number];
  return { years, months, weeks, days };
};

/** `now` minus the duration, in calendar terms (UTC). */
export const before = (now: Date, text: string): Date => {
  const { years, months, weeks, days } = parseDuration(text);
  const at = new Date(now.getTime());
  at.setUTCFullYear(at.getUTCFullYear() - years, at.getUTCMonth() - months, at.getUTCDate() - weeks * 7 - days);
  return at;
};
