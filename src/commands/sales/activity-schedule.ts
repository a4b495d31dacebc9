/**
 * An activity's schedule by its kind: a task may be due (`dueAt`), a meeting or call starts
 * (`startsAt`) and may end after it starts (`endsAt`), and any of them may carry a reminder
 * (`remindAt`); a note has none of these. Times are kept as `Date#toISOString()` (UTC), so text
 * order is time order and a reminder's time compares exactly.
 */
import { RuleViolationError } from '../../errors.js';
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

const normalized = (field: string, value: unknown): string | null => {
  if (value === undefined || value === null) return null;
  const time = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) throw new RuleViolationError('invalid_time', `${field} is not a time`, { field });
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

/**
 * The schedule, if it fits the kind: 422 `note_not_scheduled` for any time on a note,
 * `schedule_mismatch` for a field the kind does not have, `time_required` when `needsMain` (or
 * the kind is a meeting or call) and its main time is missing, `end_before_start` unless it ends
 * after it starts.
 */
export const checkedSchedule = (kind: ActivityKindName, schedule: Schedule, needsMain = false): Schedule => {
  const { allowed, main } = SHAPES[kind];
  const extra = SCHEDULE_FIELDS.filter((field) => schedule[field] !== null && !allowed.includes(field));
  if (kind === 'note' && extra.length > 0) throw new RuleViolationError('note_not_scheduled', 'A note has no due date, start, end or reminder');
  if (extra.length > 0) throw new RuleViolationError('schedule_mismatch', `A ${kind} has no ${extra.join(', ')}`, { fields: extra });
  if (main !== undefined && schedule[main] === null && (needsMain || main === 'startsAt')) {
    throw new RuleViolationError('time_required', `A ${kind} needs ${main}`, { field: main });
  }
  if (schedule.startsAt !== null && schedule.endsAt !== null && schedule.endsAt <= schedule.startsAt) {
    throw new RuleViolationError('end_before_start', 'An activity ends after it starts');
  }
  return schedule;
};
