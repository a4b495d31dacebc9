/**
 * What an activity's commands need from the log beyond its own stream: whether the record it links
 * to exists in the tenant (its stream has events; the stream name carries the tenant, so another
 * tenant's record never does), and whom it is about. A contact's or lead's activity shares that
 * person's data subject, so erasing the person erases the activity's free text too; any other
 * activity keeps the subject of its own minted at create. The contacts and leads among a create's
 * or patch's attendees are looked up the same way.
 */
import { fold } from '../decider.js';
import type { CommandDeps } from '../handle.js';
import type { RecordCommand } from '../catalogue.js';
import type { JsonValue } from '../../events/log/port.js';
import { streamName } from '../../events/log/stream-name.js';
import { ATTENDEE_RECORD_TYPES, LINKABLE_TYPES, type Attendee, type LinkedTo } from '../../events/sales/activity.js';
import { activityAggregate, type ActivityState, type LinkCheckedCommand } from './activity.js';

type LinkedRecord = { exists: boolean; subjectId: string | undefined };
type RecordAttendee = Attendee & { type: keyof typeof ATTENDEE_RECORD_TYPES };

const linkedRecordOf = async (deps: CommandDeps, tenantId: string, linkedTo: LinkedTo): Promise<LinkedRecord> => {
  const [first] = await deps.store.readStream(streamName(tenantId, LINKABLE_TYPES[linkedTo.type], linkedTo.id), { maxCount: 1 });
  const subjectId = first?.data.subjectId;
  return { exists: first !== undefined, subjectId: typeof subjectId === 'string' ? subjectId : undefined };
};

const exists = async (deps: CommandDeps, tenantId: string, aggregateType: string, id: string): Promise<boolean> =>
  (await deps.store.readStream(streamName(tenantId, aggregateType, id), { maxCount: 1 })).length > 0;

/** The contacts and leads among the attendees given that the tenant does not hold (users are not looked up, as owners are not). */
const missingAttendeesOf = async (deps: CommandDeps, tenantId: string, given: JsonValue | undefined): Promise<Attendee[]> => {
  const records = Array.isArray(given) ? (given as Attendee[]).filter((a): a is RecordAttendee => a.type !== 'user') : [];
  const found = await Promise.all(records.map((a) => exists(deps, tenantId, ATTENDEE_RECORD_TYPES[a.type], a.id)));
  return records.filter((_, i) => !found[i]);
};

/** A generic command with its link and attendees checked; a create linked to a person is about that person. */
export const withCheckedLink = async (deps: CommandDeps, tenantId: string, command: RecordCommand): Promise<LinkCheckedCommand> => {
  if (command.type === 'UpdateRecord') return { ...command, linkFound: true, missingAttendees: await missingAttendeesOf(deps, tenantId, command.changes.attendees) };
  if (command.type !== 'CreateRecord') return { ...command, linkFound: true };
  const linked = await linkedRecordOf(deps, tenantId, command.fields.linkedTo as LinkedTo);
  const missingAttendees = await missingAttendeesOf(deps, tenantId, command.fields.attendees);
  return { ...command, linkFound: linked.exists, missingAttendees, ...(linked.subjectId === undefined ? {} : { subjectId: linked.subjectId }) };
};

/** The activity as its stream folds, personal fields left sealed (its schedule and status are not personal). */
export const activityStateOf = async (deps: CommandDeps, tenantId: string, id: string): Promise<ActivityState> => {
  const events = await deps.store.readStream(streamName(tenantId, activityAggregate.type, id));
  return fold(activityAggregate.decider, events.map((e) => ({ type: e.type, data: e.data })));
};
