/**
 * An activity's attendees: the users, contacts and leads at a meeting or call (a task or note has
 * none). The list is given whole, on create or by a patch replacing it; every attendee in it was
 * looked up in the tenant before deciding (`activity-link.ts`), and the decider refuses as a
 * record link is refused (`../record-links.ts`). Beside the list the activity keeps its attendees'
 * ids (`attendeeIds`), a list of strings the list filter can search.
 */
import { RuleViolationError } from '../../errors.js';
import type { JsonObject, JsonValue } from '../../events/log/port.js';
import type { ActivityKindName, Attendee } from '../../events/sales/activity.js';
import { linkedRecordMerged } from '../record-links.js';

const ATTENDED: readonly ActivityKindName[] = ['meeting', 'call'];

/** What the log said of one attendee given: whether the tenant holds it, and the contact it was merged into. */
export type AttendeeFinding = Attendee & { found: boolean; mergedInto?: string };

/** The attendee fields an activity records; `null` for both when it has none. */
export type AttendeeFields = { attendees: Attendee[] | null; attendeeIds: string[] | null };

// An empty list is no attendees, like `null`: "none" has one form, whatever the kind.
const listOf = (value: JsonValue | undefined): Attendee[] | null =>
  Array.isArray(value) && value.length > 0 ? (value as Attendee[]) : null;

const isIn = (list: readonly Attendee[]) => (attendee: Attendee): boolean => list.some((a) => a.type === attendee.type && a.id === attendee.id);

/**
 * Refuses an attendee the list did not hold already (`current`) that names nothing of the tenant
 * (422 `linked_record_not_found`, `missing` listing them all) or a merged contact (422
 * `linked_record_merged`). One kept from before is not refused, as a link a patch leaves is not.
 */
const assertAttendeesFound = (findings: readonly AttendeeFinding[], current: readonly Attendee[]): void => {
  const added = findings.filter((finding) => !isIn(current)(finding));
  const missing = added.filter((finding) => !finding.found).map(({ type, id }) => ({ type, id }));
  if (missing.length > 0) throw new RuleViolationError('linked_record_not_found', 'Some attendees name no user or record of this tenant', { field: 'attendees', missing });
  const merged = added.find((finding) => finding.mergedInto !== undefined);
  if (merged) throw linkedRecordMerged(merged.mergedInto!, { field: 'attendees', type: merged.type, id: merged.id });
};

/**
 * The attendee fields of a list given to an activity of `kind` whose list was `current`: 422
 * `attendees_not_applicable` unless it is a meeting or call, then the findings' refusals.
 */
export const checkedAttendees = (
  kind: ActivityKindName, value: JsonValue | undefined, findings: readonly AttendeeFinding[], current: readonly Attendee[] = [],
): AttendeeFields => {
  const attendees = listOf(value);
  if (attendees === null) return { attendees: null, attendeeIds: null };
  if (!ATTENDED.includes(kind)) throw new RuleViolationError('attendees_not_applicable', `A ${kind} has no attendees; a meeting or call has`, { kind });
  assertAttendeesFound(findings, current);
  return { attendees, attendeeIds: [...new Set(attendees.map((attendee) => attendee.id))] };
};

/** A create's fields with their attendee fields checked (none: neither field). */
export const withCreatedAttendees = (kind: ActivityKindName, fields: JsonObject, findings: readonly AttendeeFinding[]): JsonObject => {
  const { attendees, attendeeIds } = checkedAttendees(kind, fields.attendees, findings);
  const { attendees: _given, ...rest } = fields;
  return attendees === null ? rest : { ...rest, attendees, attendeeIds };
};

/** A patch's changes with their attendee fields checked, when it replaces the list (`null` clears both); `current`: the activity's fields. */
export const withChangedAttendees = (kind: ActivityKindName, changes: JsonObject, findings: readonly AttendeeFinding[], current: JsonObject): JsonObject =>
  Object.hasOwn(changes, 'attendees') ? { ...changes, ...checkedAttendees(kind, changes.attendees, findings, listOf(current.attendees) ?? []) } : changes;

/**
 * The attendee fields once contact `from` is replaced by contact `to` (left out when `to` attends
 * already), or undefined when `from` does not attend. The order of the others stays.
 */
export const relinkedAttendees = (fields: JsonObject, from: string, to: string): { attendees: Attendee[]; attendeeIds: string[] } | undefined => {
  const current = listOf(fields.attendees) ?? [];
  const isFrom = (a: Attendee): boolean => a.type === 'contact' && a.id === from;
  if (!current.some(isFrom)) return undefined;
  const toAttends = current.some((a) => a.type === 'contact' && a.id === to);
  const attendees = current.flatMap((a) => (!isFrom(a) ? [a] : toAttends ? [] : [{ type: 'contact' as const, id: to }]));
  // Never empty: `from` is replaced, or `to` stays in its place.
  return { attendees, attendeeIds: [...new Set(attendees.map((a) => a.id))] };
};
