/**
 * An activity's schedule by its kind: a task may be due (`dueAt`), a meeting or call starts
 * (`startsAt`) and may end after it starts (`endsAt`), and any of them may carry a reminder
 * (`remindAt`) no later than its due time; a note has none of these. Times are kept as
 * `Date#toISOString()` (UTC) in years 1900 to 9999, so text order is time order and a reminder's
 * time compares exactly.
 */
import { InvalidInputError, RuleViolationError } from '../../errors.js';
import type { JsonObject } from '../../events/log/port.js';
import type { ActivityKindName, Schedule } from '../../events/sales/activity.js';

type Field = keyof Schedule;

export const SCHEDULE_FIELDS: readonly Field[] = ['dueAt', 'startsAt', 'endsAt', 'remindAt'];

/** The fields each kind may have, and its main time (what makes it due). */
const SHAPES: Record<ActivityKindName, { allowed: readonly Field[]; main: Field | undefined }> = {
  task: { allowed: ['dueAt', 'remindAt'], main: 'dueAt' },
  meeting: { allowed: ['startsAt', 'endsAt', 'remindAt'], main: 'startsAt' },
  call: { allowed: ['startsAt', 'endsAt', 'remindAt'], main: 'startsAt' },
  note: { allowed: [], main: undefined },
};

// A text the schema's `date-time` lets through but that names no instant (a leap second, `23:59:60`)
// is malformed like any other bad time: the same 400 at its field.
const normalized = (field: string, value: unknown): string | null => {
  if (value === undefined || value === null) return null;
  const time = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) throw new InvalidInputError('validation_failed', 'The request is not valid', [{ pointer: `/${field}`, message: 'must be a time' }]);
  return new Date(time).toISOString();
};

/** The schedule held in these fields (absent ones `null`), each time normalized to UTC. */
export const scheduleOf = (fields: JsonObject): Schedule => ({
  dueAt: normalized('dueAt', fields.dueAt),
  startsAt: normalized('startsAt', fields.startsAt),
  endsAt: normalized('endsAt', fields.endsAt),
  remindAt: normalized('remindAt', fields.remindAt),
});

/** When the activity is due: a task's due time, a meeting's or call's start (none for a note or an undated task). */
export const dueTimeOf = (schedule: Schedule): string | null => schedule.dueAt ?? schedule.startsAt;

/** The schedule's set fields only (what a create records). */
export const presentTimes = (schedule: Schedule): JsonObject =>
  Object.fromEntries(Object.entries(schedule).filter(([, value]) => value !== null));

const FIRST_YEAR = 1900;
const LAST_YEAR = 9999;

const inRange = (time: string | null): boolean => {
  const year = time === null ? FIRST_YEAR : new Date(time).getUTCFullYear();
  return year >= FIRST_YEAR && year <= LAST_YEAR;
};

/** 422 `time_out_of_range` for a time outside years 1900 to 9999 (UTC): its text would no longer sort as time. */
const checkRange = (schedule: Schedule): void => {
  const outside = SCHEDULE_FIELDS.filter((field) => !inRange(schedule[field]));
  if (outside.length > 0) throw new RuleViolationError('time_out_of_range', `Times are in years ${FIRST_YEAR} to ${LAST_YEAR}`, { fields: outside });
};

/** 422 `end_before_start` unless it ends after it starts, `reminder_after_due_time` for a reminder after its due time or start. */
const checkOrder = (schedule: Schedule): void => {
  if (schedule.startsAt !== null && schedule.endsAt !== null && schedule.endsAt <= schedule.startsAt) {
    throw new RuleViolationError('end_before_start', 'An activity ends after it starts');
  }
  const dueTime = dueTimeOf(schedule);
  if (schedule.remindAt !== null && dueTime !== null && schedule.remindAt > dueTime) {
    throw new RuleViolationError('reminder_after_due_time', 'A reminder comes no later than the due time or start', { remindAt: schedule.remindAt, dueTime });
  }
};

/**
 * The schedule, if it fits the kind: 422 `note_not_scheduled` for any time on a note,
 * `schedule_mismatch` for a field the kind does not have, `time_required` when `needsMain` (or
 * the kind is a meeting or call) and its main time is missing; then its times' range and order.
 */
export const checkedSchedule = (kind: ActivityKindName, schedule: Schedule, needsMain = false): Schedule => {
  const { allowed, main } = SHAPES[kind];
  const extra = SCHEDULE_FIELDS.filter((field) => schedule[field] !== null && !allowed.includes(field));
  if (kind === 'note' && extra.length > 0) throw new RuleViolationError('note_not_scheduled', 'A note has no due date, start, end or reminder');
  if (extra.length > 0) throw new RuleViolationError('schedule_mismatch', `A ${kind} has no ${extra.join(', ')}`, { fields: extra });
  if (main !== undefined && schedule[main] === null && (needsMain || main === 'startsAt')) {
    throw new RuleViolationError('time_required', `A ${kind} needs ${main}`, { field: main });
  }
  checkRange(schedule);
  checkOrder(schedule);
  return schedule;
};
