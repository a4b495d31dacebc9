/**
 * What an activity's commands need from the log beyond its own stream: whether the record it links
 * to exists in the tenant (its stream has events; the stream name carries the tenant, so another
 * tenant's record never does) or was merged into another (a contact), read as every record link
 * is (`../record-links.ts`), and whom it is about. A contact's or lead's activity shares that
 * person's data subject, so erasing the person erases the activity's free text too; any other
 * activity keeps the subject of its own minted at create. The contacts and leads among a create's
 * or patch's attendees are looked up the same way.
 */
import { fold } from '../decider.js';
import type { CommandDeps } from '../handle.js';
import type { RecordCommand } from '../catalogue.js';
import type { JsonValue } from '../../events/log/port.js';
import { streamName } from '../../events/log/stream-name.js';
import type { RecordKind } from '../../events/catalogue.js';
import { ATTENDEE_RECORD_TYPES, type Attendee, type LinkableType, type LinkedTo } from '../../events/sales/activity.js';
import { accountKind } from '../../events/sales/account.js';
import { contactKind } from '../../events/sales/contact.js';
import { leadKind } from '../../events/sales/lead.js';
import { opportunityKind } from '../../events/sales/opportunity.js';
import { quoteKind } from '../../events/sales/quote.js';
import { activityAggregate, type ActivityState, type LinkCheckedCommand } from './activity.js';
import { linkedRecordOf } from '../record-links.js';

type RecordAttendee = Attendee & { type: keyof typeof ATTENDEE_RECORD_TYPES };

const LINKABLE_KINDS: Record<LinkableType, RecordKind> = {
  contact: contactKind, account: accountKind, lead: leadKind, opportunity: opportunityKind, quote: quoteKind,
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
  const linkedTo = command.fields.linkedTo as LinkedTo;
  const { found, subjectId, mergedInto } = await linkedRecordOf(deps, tenantId, LINKABLE_KINDS[linkedTo.type], linkedTo.id);
  const missingAttendees = await missingAttendeesOf(deps, tenantId, command.fields.attendees);
  const merged = mergedInto === undefined ? {} : { linkMergedInto: mergedInto };
  return { ...command, linkFound: found, missingAttendees, ...merged, ...(subjectId === undefined ? {} : { subjectId }) };
};

/** The activity as its stream folds, personal fields left sealed (its schedule and status are not personal). */
export const activityStateOf = async (deps: CommandDeps, tenantId: string, id: string): Promise<ActivityState> => {
  const events = await deps.store.readStream(streamName(tenantId, activityAggregate.type, id));
  return fold(activityAggregate.decider, events.map((e) => ({ type: e.type, data: e.data })));
};
