/**
 * What an activity's commands need from the log beyond its own stream: whether the record it links
 * to exists in the tenant (its stream has events; the stream name carries the tenant, so another
 * tenant's record never does) or was merged into another (a contact), read as every record link
 * is (`../record-links.ts`), and whom it is about. A contact's or lead's activity shares that
 * person's data subject, so erasing the person erases the activity's free text too; any other
 * activity keeps the subject of its own minted at create. Each attendee a create or patch gives is
 * looked up the same way: a contact or lead as a link, a user by their stream (any status).
 */
import { fold } from '../decider.js';
import type { CommandDeps } from '../handle.js';
import type { RecordCommand } from '../catalogue.js';
import type { EventStore, JsonValue } from '../../events/log/port.js';
import { streamName } from '../../events/log/stream-name.js';
import type { RecordKind } from '../../events/catalogue.js';
import type { Attendee, LinkableType, LinkedTo } from '../../events/sales/activity.js';
import { accountKind } from '../../events/sales/account.js';
import { contactKind } from '../../events/sales/contact.js';
import { leadKind } from '../../events/sales/lead.js';
import { opportunityKind } from '../../events/sales/opportunity.js';
import { quoteKind } from '../../events/sales/quote.js';
import { activityAggregate, type ActivityState, type LinkCheckedCommand } from './activity.js';
import type { AttendeeFinding } from './activity-attendees.js';
import { linkedRecordOf, linkedUserOf } from '../record-links.js';

const LINKABLE_KINDS: Record<LinkableType, RecordKind> = {
  contact: contactKind, account: accountKind, lead: leadKind, opportunity: opportunityKind, quote: quoteKind,
};

const findingOf = (deps: CommandDeps, tenantId: string) => async (attendee: Attendee): Promise<AttendeeFinding> => {
  if (attendee.type === 'user') return { ...attendee, found: (await linkedUserOf(deps, tenantId, attendee.id)).found };
  const { found, mergedInto } = await linkedRecordOf(deps, tenantId, LINKABLE_KINDS[attendee.type], attendee.id);
  return { ...attendee, found, ...(mergedInto === undefined ? {} : { mergedInto }) };
};

/** What the tenant holds of each attendee given (users, contacts and leads alike). */
const attendeeFindingsOf = async (deps: CommandDeps, tenantId: string, given: JsonValue | undefined): Promise<AttendeeFinding[]> =>
  Array.isArray(given) ? Promise.all((given as Attendee[]).map(findingOf(deps, tenantId))) : [];

/** A generic command with its link and attendees checked; a create linked to a person is about that person. */
export const withCheckedLink = async (deps: CommandDeps, tenantId: string, command: RecordCommand): Promise<LinkCheckedCommand> => {
  if (command.type === 'UpdateRecord') {
    return { ...command, linkFound: true, attendeeFindings: await attendeeFindingsOf(deps, tenantId, command.changes.attendees) };
  }
  if (command.type !== 'CreateRecord') return { ...command, linkFound: true };
  const linkedTo = command.fields.linkedTo as LinkedTo;
  const { found, subjectId, mergedInto } = await linkedRecordOf(deps, tenantId, LINKABLE_KINDS[linkedTo.type], linkedTo.id);
  const attendeeFindings = await attendeeFindingsOf(deps, tenantId, command.fields.attendees);
  const merged = mergedInto === undefined ? {} : { linkMergedInto: mergedInto };
  return { ...command, linkFound: found, attendeeFindings, ...merged, ...(subjectId === undefined ? {} : { subjectId }) };
};

/** The activity as its stream folds, personal fields left sealed (its schedule and status are not personal). */
export const activityStateOf = async (deps: { store: Pick<EventStore, 'readStream'> }, tenantId: string, id: string): Promise<ActivityState> => {
  const events = await deps.store.readStream(streamName(tenantId, activityAggregate.type, id));
  return fold(activityAggregate.decider, events.map((e) => ({ type: e.type, data: e.data })));
};
