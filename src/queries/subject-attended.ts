/**
 * Subject access to the meetings and calls a person attended without being what they are linked
 * to. Attendees name a person's records (a contact, lead or user) by id, not their data subject,
 * so the export's scan of the log follows those ids: a record whose create names the subject is
 * theirs, and an activity event listing one of its ids makes the activity one they attended. The
 * scan meets the record before any activity listing it, since an attendee is looked up in the log
 * before the activity's event is appended, so the export's one pass finds both.
 *
 * An attended activity is shown by its own facts only (kind, subject, times, status), not its
 * notes, outcome or other attendees: those are about the person it is linked to. Its `subject` is
 * encrypted under that person's key, so it reads `null` (listed in `erasedFields`) once they are erased.
 */
import type { JsonValue, RecordedEvent } from '../events/log/port.js';
import { parseStreamName } from '../events/log/stream-name.js';
import { USER_AGGREGATE } from '../events/identity/user.js';
import { ACTIVITY_RELINKED, activityKind, ATTENDEE_RECORD_TYPES, type Attendee } from '../events/sales/activity.js';
import { getRecord, type ReadDeps } from './records.js';

/** One meeting or call the subject attended: `attendee` is their record it listed, `attending` whether its list still does. */
export type AttendedActivity = {
  recordType: string; id: string; kind: JsonValue; subject: JsonValue; startsAt: JsonValue; endsAt: JsonValue;
  activityStatus: JsonValue; status: string; attendee: Attendee; attending: boolean; erasedFields: string[];
};

/** Collects, event by event, the activity streams whose attendees named the subject's records. */
export type AttendanceScan = { see: (event: RecordedEvent) => void; attended: () => Map<string, Attendee> };

const PERSON_TYPES: Readonly<Record<string, Attendee['type']>> = {
  [ATTENDEE_RECORD_TYPES.contact]: 'contact', [ATTENDEE_RECORD_TYPES.lead]: 'lead', [USER_AGGREGATE]: 'user',
};

const ACTIVITY_STREAM = `/${activityKind.type}/`;
const LISTING = [`${activityKind.eventPrefix}Created`, `${activityKind.eventPrefix}Updated`];

const keyOf = (attendee: Attendee): string => `${attendee.type}/${attendee.id}`;

/** The attendees an activity's create gives or its patch sets (none for other events). */
const listedBy = (event: RecordedEvent): Attendee[] => {
  const given = event.type === LISTING[0] ? event.data.fields : event.data.changes;
  const attendees = given !== null && typeof given === 'object' && !Array.isArray(given) ? given.attendees : undefined;
  return Array.isArray(attendees) ? (attendees as Attendee[]) : [];
};

/** Feed it the tenant's events in log order; `subjectIds` are one person's. */
export const attendanceScan = (subjectIds: readonly string[]): AttendanceScan => {
  const subjects = new Set<unknown>(subjectIds);
  const own = new Set<string>();
  const attended = new Map<string, Attendee>();
  const see = (event: RecordedEvent): void => {
    if (event.revision === 0n && subjects.has(event.data.subjectId)) {
      const { aggregateType, id } = parseStreamName(event.stream);
      const type = PERSON_TYPES[aggregateType];
      if (type !== undefined) own.add(keyOf({ type, id }));
    }
    if (own.size === 0 || !event.stream.includes(ACTIVITY_STREAM)) return;
    if (event.type === ACTIVITY_RELINKED) return relinked(event);
    if (!LISTING.includes(event.type) || attended.has(event.stream)) return;
    const attendee = listedBy(event).find((a) => own.has(keyOf(a)));
    if (attendee !== undefined) attended.set(event.stream, { type: attendee.type, id: attendee.id });
  };
  // A contact merge put the survivor in the loser's place: the same person, so their entry is now the survivor's.
  const relinked = (event: RecordedEvent): void => {
    const [from, to] = [event.data.from as Attendee, event.data.to as Attendee];
    const current = attended.get(event.stream);
    if (current !== undefined && keyOf(current) === keyOf(from) && own.has(keyOf(to))) attended.set(event.stream, { type: to.type, id: to.id });
  };
  return { see, attended: () => attended };
};

/** The activity of `stream` as the subject's export shows one they attended. */
export const attendedActivityOf = (deps: ReadDeps, tenantId: string) => async ([stream, attendee]: [string, Attendee]): Promise<AttendedActivity> => {
  const { id } = parseStreamName(stream);
  const view = await getRecord(deps, activityKind, tenantId, id);
  const listed = Array.isArray(view.attendees) ? (view.attendees as Attendee[]) : [];
  return {
    recordType: activityKind.type, id, kind: view.kind ?? null, subject: view.subject ?? null,
    startsAt: view.startsAt ?? null, endsAt: view.endsAt ?? null, activityStatus: view.activityStatus ?? null, status: view.status,
    attendee, attending: listed.some((a) => keyOf(a) === keyOf(attendee)),
    erasedFields: (view.erasedFields as string[]).filter((field) => field === 'subject'),
  };
};
