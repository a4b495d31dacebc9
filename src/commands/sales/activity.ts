/**
 * The Activity aggregate: an explicit decider over a state union on `status` (open, completed,
 * cancelled). It is created open, linked to a record the server found in the tenant (`linkFound`,
 * looked up before deciding, see `activity-link.ts`), with a schedule that fits its kind
 * (`activity-schedule.ts`) and, for a meeting or call, attendees the tenant holds
 * (`activity-attendees.ts`). Only an open activity changes (409 `activity_closed`): its fields
 * (but not its kind or link, 422 `field_fixed`, nor its times, which change by rescheduling,
 * 422 `reschedule_required`), its schedule, its completion (with an optional outcome) and its
 * cancellation (with a reason); its owner, tags and archiving change in any status. A reminder
 * is recorded once per reminder time, and only while the activity is open and still has that
 * time, so a stale or repeated timer changes nothing. A contact merge moves the loser's link and
 * attendance to the survivor in any status (`RelinkActivity`).
 */
import { ConflictError, RuleViolationError } from '../../errors.js';
import { hasText, personalDataOf } from '../../events/catalogue.js';
import { canonicalJson } from '../../events/log/canonical-json.js';
import type { JsonObject } from '../../events/log/port.js';
import {
  ACTIVITY_CANCELLED, ACTIVITY_COMPLETED, ACTIVITY_RELINKED, ACTIVITY_REMINDER_SENT, ACTIVITY_RESCHEDULED, activityKind,
  type ActivityKindName, type ActivityOwnEvent, type ActivityStatus, type LinkedTo, type Schedule,
} from '../../events/sales/activity.js';
import { patchedFields, type RecordCommand } from '../catalogue.js';
import { unreachable, type Decider, type DomainEvent } from '../decider.js';
import type { Aggregate } from '../handle.js';
import { bodyOf, genericPart, isGenericCommand, liveBody, type LiveBody } from '../rule-record.js';
import { relinkedAttendees, withChangedAttendees, withCreatedAttendees, type AttendeeFinding } from './activity-attendees.js';
import { checkedSchedule, dueTimeOf, presentTimes, SCHEDULE_FIELDS, scheduleOf } from './activity-schedule.js';
import { linkedRecordMerged } from '../record-links.js';

export type ActivityState = { status: 'none' } | ({ status: ActivityStatus } & LiveBody);
type Existing = Exclude<ActivityState, { status: 'none' }>;

/**
 * A generic command, whether the record its create links to exists in the tenant (true for other
 * commands) and the contact it was merged into (a merged contact), and what the tenant holds of
 * each attendee it gives (absent: none given).
 */
export type LinkCheckedCommand = RecordCommand & { linkFound: boolean; linkMergedInto?: string; attendeeFindings?: AttendeeFinding[] };

/** `at`: the time the command is decided at (ISO). */
export type ActivityCommand =
  | LinkCheckedCommand
  | { type: 'CompleteActivity'; at: string; outcome?: string }
  | { type: 'RescheduleActivity'; schedule: Partial<Schedule> }
  | { type: 'CancelActivity'; reason?: string }
  | { type: 'SendActivityReminder'; remindAt: string }
  /** A contact merge's step: the link to contact `from` (the loser) and its attendance become `to`'s (the survivor's), in any status. */
  | { type: 'RelinkActivity'; from: string; to: string };

const generic = genericPart(activityKind);

const OWN: readonly string[] = [ACTIVITY_COMPLETED, ACTIVITY_RESCHEDULED, ACTIVITY_CANCELLED, ACTIVITY_REMINDER_SENT, ACTIVITY_RELINKED];

const statusAfter = (event: ActivityOwnEvent, status: ActivityStatus): ActivityStatus => {
  switch (event.type) {
    case ACTIVITY_COMPLETED:
      return 'completed';
    case ACTIVITY_CANCELLED:
      return 'cancelled';
    case ACTIVITY_RESCHEDULED:
    case ACTIVITY_REMINDER_SENT:
    case ACTIVITY_RELINKED:
      return status;
    default:
      return unreachable(event);
  }
};

const evolve = (state: ActivityState, event: DomainEvent): ActivityState => {
  const body = generic.evolve(bodyOf(state), event);
  if (body === undefined) return state;
  if (state.status === 'none') return { ...body, status: 'open' };
  return { ...body, status: OWN.includes(event.type) ? statusAfter(event as ActivityOwnEvent, state.status) : state.status };
};

/** The activity a change acts on: existing (404), not archived (409 `record_archived`), open (409 `activity_closed`). */
const open = (state: ActivityState): Existing => {
  const body = liveBody(bodyOf(state));
  const { status } = state as Existing;
  if (status !== 'open') throw new ConflictError('activity_closed', `The activity is ${status}; only an open activity changes`, { activityStatus: status });
  return { ...body, status };
};

const kindOf = (activity: Existing): ActivityKindName => activity.fields.kind as ActivityKindName;

// ---------------------------------------------------------------------------------------------
// Generic commands: a create is linked and scheduled; a change leaves kind, link and times alone
// ---------------------------------------------------------------------------------------------

const createdFields = (fields: JsonObject, attendeeFindings: AttendeeFinding[]): JsonObject => {
  const kind = fields.kind as ActivityKindName;
  const schedule = checkedSchedule(kind, scheduleOf(fields));
  const dueTime = dueTimeOf(schedule);
  const attended = withCreatedAttendees(kind, fields, attendeeFindings);
  return { ...attended, ...presentTimes(schedule), ...(dueTime === null ? {} : { dueTime }), activityStatus: 'open' };
};

const FIXED = ['kind', 'linkedTo'];

/** The changes of an open activity, its attendees checked: not its kind, link or times (422), as merged (`linkedTo`'s members). */
const checkedChanges = (state: ActivityState, changes: JsonObject, attendeeFindings: AttendeeFinding[]): JsonObject => {
  const activity = open(state);
  const { fields } = activity;
  const next = patchedFields(activityKind, fields, changes);
  const changed = Object.keys(changes).filter((name) => canonicalJson(next[name] ?? null) !== canonicalJson(fields[name] ?? null));
  const fixed = changed.filter((name) => FIXED.includes(name));
  if (fixed.length > 0) throw new RuleViolationError('field_fixed', `${fixed.join(', ')} cannot change`, { fields: fixed });
  const times = changed.filter((name) => (SCHEDULE_FIELDS as readonly string[]).includes(name));
  if (times.length > 0) throw new RuleViolationError('reschedule_required', 'Times change by POST /sales/activities/:id/reschedule', { fields: times });
  return withChangedAttendees(kindOf(activity), changes, attendeeFindings, fields);
};

const decideGeneric = ({ linkFound, linkMergedInto, attendeeFindings = [], ...command }: LinkCheckedCommand, state: ActivityState): DomainEvent[] => {
  if (command.type === 'CreateRecord') {
    if (!linkFound) throw new RuleViolationError('linked_record_not_found', 'The record linkedTo names does not exist', { linkedTo: command.fields.linkedTo });
    if (linkMergedInto !== undefined) throw linkedRecordMerged(linkMergedInto, { linkedTo: command.fields.linkedTo });
    return generic.decide({ ...command, fields: createdFields(command.fields, attendeeFindings) }, bodyOf(state));
  }
  if (command.type === 'UpdateRecord') return generic.decide({ ...command, changes: checkedChanges(state, command.changes, attendeeFindings) }, bodyOf(state));
  return generic.decide(command, bodyOf(state));
};

// ---------------------------------------------------------------------------------------------
// The activity's own commands
// ---------------------------------------------------------------------------------------------

const complete = (state: ActivityState, at: string, outcome: string | undefined): ActivityOwnEvent[] => {
  const { subjectId } = open(state);
  return [{ type: ACTIVITY_COMPLETED, data: { subjectId, completedAt: new Date(at).toISOString(), outcome: outcome ?? null } }];
};

const reschedule = (state: ActivityState, requested: Partial<Schedule>): ActivityOwnEvent[] => {
  const activity = open(state);
  const kind = kindOf(activity);
  if (kind === 'note') throw new RuleViolationError('note_not_scheduled', 'A note has no schedule to change');
  const schedule = checkedSchedule(kind, scheduleOf(requested as JsonObject), true);
  if (canonicalJson(schedule) === canonicalJson(scheduleOf(activity.fields))) return [];
  return [{ type: ACTIVITY_RESCHEDULED, data: { ...schedule, dueTime: dueTimeOf(schedule) } }];
};

const cancel = (state: ActivityState, reason: string | undefined): ActivityOwnEvent[] => {
  if (!hasText(reason)) throw new RuleViolationError('reason_required', 'Cancelling an activity needs a reason');
  const { subjectId } = open(state);
  return [{ type: ACTIVITY_CANCELLED, data: { subjectId, reason } }];
};

/** The reminder of `remindAt`, unless the activity is gone, closed, archived, rescheduled or reminded already. */
const remind = (state: ActivityState, remindAt: string): ActivityOwnEvent[] => {
  if (state.status !== 'open' || state.archived) return [];
  const { fields } = state;
  if (fields.remindAt !== remindAt || fields.reminderSentFor === remindAt) return [];
  return [{ type: ACTIVITY_REMINDER_SENT, data: { remindAt, dueTime: typeof fields.dueTime === 'string' ? fields.dueTime : null } }];
};

/**
 * Moves the activity from contact `from` to `to`: its link, and its attendee (dropped when `to`
 * attends already). Nothing once moved (a retried or repeated merge) or when it is gone; a closed
 * or archived activity moves too, since it is the history of the person the survivor now is.
 */
const relink = (state: ActivityState, from: string, to: string): ActivityOwnEvent[] => {
  const body = bodyOf(state);
  if (body === undefined || from === to) return [];
  const linked = body.fields.linkedTo as LinkedTo | undefined;
  const moved = linked?.type === 'contact' && linked.id === from ? { linkedTo: { type: 'contact' as const, id: to } } : {};
  const attended = relinkedAttendees(body.fields, from, to);
  if (!('linkedTo' in moved) && attended === undefined) return [];
  const data = { from: { type: 'contact' as const, id: from }, to: { type: 'contact' as const, id: to }, ...moved, ...attended };
  return [{ type: ACTIVITY_RELINKED, data }];
};

const decide = (command: ActivityCommand, state: ActivityState): DomainEvent[] => {
  if (isGenericCommand(command)) return decideGeneric(command, state);
  switch (command.type) {
    case 'CompleteActivity':
      return complete(state, command.at, command.outcome);
    case 'RescheduleActivity':
      return reschedule(state, command.schedule);
    case 'CancelActivity':
      return cancel(state, command.reason);
    case 'SendActivityReminder':
      return remind(state, command.remindAt);
    case 'RelinkActivity':
      return relink(state, command.from, command.to);
    default:
      return unreachable(command);
  }
};

export const activityDecider: Decider<ActivityCommand, DomainEvent, ActivityState> = { initialState: () => ({ status: 'none' }), evolve, decide };

export const activityAggregate: Aggregate<ActivityCommand, DomainEvent, ActivityState> = {
  type: activityKind.type,
  decider: activityDecider,
  personalData: personalDataOf(activityKind),
};
