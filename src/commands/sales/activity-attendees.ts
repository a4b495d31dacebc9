/**
 * An activity's attendees: the users, contacts and leads at a meeting or on a call (a task or note
 * has none). The list is given whole, on create or by a patch replacing it; the contacts and leads
 * in it were looked up in the tenant before deciding (`activity-link.ts`). Beside the list the
 * activity keeps its attendees' ids (`attendeeIds`), a list of strings the list filter can search.
 */
import { RuleViolationError } from '../../errors.js';
import type { JsonObject, JsonValue } from '../../events/log/port.js';
import type { ActivityKindName, Attendee } from '../../events/sales/activity.js';

const ATTENDED: readonly ActivityKindName[] = ['meeting', 'call'];

/** The attendee fields an activity records; `null` for both when it has none. */
export type AttendeeFields = { attendees: Attendee[] | null; attendeeIds: string[] | null };

// An empty list is no attendees, like `null`: "none" has one form, whatever the kind.
const listOf = (value: JsonValue | undefined): Attendee[] | null =>
  Array.isArray(value) && value.length > 0 ? (value as Attendee[]) : null;

/**
 * The attendee fields of a list given to an activity of `kind`: 422 `attendees_not_applicable`
 * unless it is a meeting or call, 422 `attendee_not_found` naming the contacts and leads the
 * tenant does not hold (`missing`).
 */
export const checkedAttendees = (kind: ActivityKindName, value: JsonValue | undefined, missing: readonly Attendee[]): AttendeeFields => {
  const attendees = listOf(value);
  if (attendees === null) return { attendees: null, attendeeIds: null };
  if (!ATTENDED.includes(kind)) throw new RuleViolationError('attendees_not_applicable', `A ${kind} has no attendees; a meeting or call has`, { kind });
  if (missing.length > 0) throw new RuleViolationError('attendee_not_found', 'Some attendees do not exist', { missing: [...missing] });
  return { attendees, attendeeIds: [...new Set(attendees.map((attendee) => attendee.id))] };
};

/** A create's fields with their attendee fields checked (none: neither field). */
export const withCreatedAttendees = (kind: ActivityKindName, fields: JsonObject, missing: readonly Attendee[]): JsonObject => {
  const { attendees, attendeeIds } = checkedAttendees(kind, fields.attendees, missing);
  const { attendees: _given, ...rest } = fields;
  return attendees === null ? rest : { ...rest, attendees, attendeeIds };
};

/** A patch's changes with their attendee fields checked, when it replaces the list (`null` clears both). */
export const withChangedAttendees = (kind: ActivityKindName, changes: JsonObject, missing: readonly Attendee[]): JsonObject =>
  Object.hasOwn(changes, 'attendees') ? { ...changes, ...checkedAttendees(kind, changes.attendees, missing) } : changes;
