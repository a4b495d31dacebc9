/**
 * The activity's reminder timer, hosted by the API (it needs the API's stores):
 * `sales.activity-reminder` `{ tenantId, activityId, remindAt }`, enqueued when an activity is
 * created or rescheduled with a `remindAt` (or restored before its reminder was sent), runs at that time and records `ActivityReminderSent`
 * if the activity is still open with that reminder time. The job's id and its command's id derive
 * from the activity and the time, so a rescheduled activity's old timer finds another time and
 * does nothing, and a rerun appends nothing twice.
 */
import { commandIdFor } from '../../commands/event-ids.js';
import { handleCommand, type CommandContext } from '../../commands/handle.js';
import { activityAggregate, type ActivityState } from '../../commands/sales/activity.js';
import { activityStateOf } from '../../commands/sales/activity-link.js';
import { UnavailableError } from '../../errors.js';
import { defineJob, type JobDeps } from '../define.js';
import type { JobQueue } from '../port.js';
import type { Reaction } from '../reactions.js';
import { parseStreamName } from '../../events/log/stream-name.js';
import { ACTIVITY_RESCHEDULED } from '../../events/sales/activity.js';

export const ACTIVITY_REMINDER_JOB = 'sales.activity-reminder';

type ReminderData = { tenantId: string; activityId: string; remindAt: string };

const storesOf = (deps: JobDeps) => {
  if (!deps.compliance) throw new UnavailableError('stores_unavailable', 'Activity reminders run in the API process only');
  return deps.compliance;
};

type ReminderQueue = Pick<JobQueue, 'enqueue' | 'get' | 'remove'>;

const FINISHED: ReadonlySet<string | undefined> = new Set(['completed', 'failed']);

/**
 * Enqueues the reminder of `remindAt` (at once when it is past); one job per activity and time.
 * A finished job of that id (still retained) is replaced: it ran while the activity had another
 * time (rescheduled away and back) or was closed or archived, so it did nothing, and the queue
 * would take the new timer for a duplicate and lose the reminder. Running it again is harmless.
 */
export const scheduleReminder = async (queue: ReminderQueue, data: ReminderData, now: Date) => {
  const id = `activity-reminder.${data.activityId}.${Date.parse(data.remindAt)}`;
  if (FINISHED.has((await queue.get(ACTIVITY_REMINDER_JOB, id))?.state)) await queue.remove(id);
  return queue.enqueue(ACTIVITY_REMINDER_JOB, data, { id, delayMs: Math.max(0, Date.parse(data.remindAt) - now.getTime()) });
};

/** Enqueues the reminder of an open, unarchived activity that has a reminder time not yet sent (nothing otherwise). */
export const scheduleReminderOf = async (queue: ReminderQueue | undefined, tenantId: string, activityId: string, state: ActivityState, now: Date) => {
  if (!queue || state.status !== 'open' || state.archived || typeof state.fields.remindAt !== 'string') return;
  if (state.fields.reminderSentFor === state.fields.remindAt) return;
  await scheduleReminder(queue, { tenantId, activityId, remindAt: state.fields.remindAt }, now);
};

const contextOf = ({ tenantId, activityId, remindAt }: ReminderData): CommandContext => {
  const key = `activity-reminder:${activityId}:${remindAt}`;
  return { tenantId, actorId: 'system:activity-reminder', commandId: commandIdFor(tenantId, key), correlationId: key, now: new Date() };
};

export const activityReminderJob = defineJob<ReminderData>({
  name: ACTIVITY_REMINDER_JOB,
  hostedBy: 'api',
  handler: (deps) => async ({ data }) => {
    const command = { type: 'SendActivityReminder' as const, remindAt: data.remindAt };
    await handleCommand(storesOf(deps), activityAggregate, { id: data.activityId, command, context: contextOf(data) });
  },
});

const ACTIVITY_CREATED = 'ActivityCreated';
const ACTIVITY_RESTORED = 'ActivityRestored';

/**
 * The same timer from the log (`reactions.ts`): an activity created or rescheduled with a reminder
 * time, or restored (its event names no time: the activity is read, and reminded if it is open with
 * a reminder not yet sent, as the restore route does).
 */
export const activityReminderReaction: Reaction = {
  handles: [ACTIVITY_CREATED, ACTIVITY_RESCHEDULED, ACTIVITY_RESTORED],
  enqueue: async (queue, event, now, log) => {
    const { tenantId, id: activityId } = parseStreamName(event.stream);
    if (event.type === ACTIVITY_RESTORED) return scheduleReminderOf(queue, tenantId, activityId, await activityStateOf({ store: log }, tenantId, activityId), now);
    const source = event.type === ACTIVITY_CREATED ? event.data.fields : event.data;
    const remindAt = source && typeof source === 'object' && !Array.isArray(source) ? source.remindAt : undefined;
    return typeof remindAt === 'string' ? scheduleReminder(queue, { tenantId, activityId, remindAt }, now) : undefined;
  },
};
