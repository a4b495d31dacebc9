/**
 * Activities (Sales): tasks, meetings, calls and notes, each linked to one sales record (a contact,
 * account, lead, opportunity or quote). A task is due at `dueAt`; a meeting or call starts at
 * `startsAt` (and may end at `endsAt`); a note has no schedule. `dueTime` (the due or start time)
 * is what the overdue view sorts on. An activity is about a person: the linked contact's or lead's
 * data subject, or one of its own otherwise, so its free text (subject, notes, outcome, cancel
 * reason) is encrypted and erased with that person; cancel reasons were stored in plaintext before (`legacyPlaintext`). Completing, rescheduling, cancelling, reminding and
 * a contact merge's relinking are its own events. A meeting or call may list its attendees (users, contacts, leads of the tenant) by id only.
 */
import type { RecordKind } from '../catalogue.js';
import type { JsonObject } from '../log/port.js';

export const ACTIVITY_COMPLETED = 'ActivityCompleted';
export const ACTIVITY_RESCHEDULED = 'ActivityRescheduled';
export const ACTIVITY_CANCELLED = 'ActivityCancelled';
export const ACTIVITY_REMINDER_SENT = 'ActivityReminderSent';
export const ACTIVITY_RELINKED = 'ActivityRelinked';

/** The schedule fields, each an ISO time or `null` (cleared). */
export type Schedule = { dueAt: string | null; startsAt: string | null; endsAt: string | null; remindAt: string | null };

export type ActivityOwnEvent =
  | { type: typeof ACTIVITY_COMPLETED; data: { subjectId: string | null; completedAt: string; outcome: string | null } }
  | { type: typeof ACTIVITY_RESCHEDULED; data: Schedule & { dueTime: string | null } }
  | { type: typeof ACTIVITY_CANCELLED; data: { subjectId: string | null; reason: string } }
  | { type: typeof ACTIVITY_REMINDER_SENT; data: { remindAt: string; dueTime: string | null } }
  /**
   * A contact merge moved the activity from the loser (`from`) to the survivor (`to`): its link
   * and/or its attendees as they are now (each present only when it changed), in any status.
   */
  | { type: typeof ACTIVITY_RELINKED; data: { from: LinkedTo; to: LinkedTo; linkedTo?: LinkedTo; attendees?: Attendee[]; attendeeIds?: string[] } };

export const ACTIVITY_KINDS = ['task', 'meeting', 'call', 'note'] as const;
export type ActivityKindName = (typeof ACTIVITY_KINDS)[number];

export const ACTIVITY_STATUSES = ['open', 'completed', 'cancelled'] as const;
export type ActivityStatus = (typeof ACTIVITY_STATUSES)[number];

/** The records an activity may be linked to, and their aggregate types. */
export const LINKABLE_TYPES = {
  contact: 'sales.contact', account: 'sales.account', lead: 'sales.lead', opportunity: 'sales.opportunity', quote: 'sales.quote',
} as const;
export type LinkableType = keyof typeof LINKABLE_TYPES;
export type LinkedTo = { type: LinkableType; id: string };

const ID = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$' };
const TIME = { type: 'string', format: 'date-time', maxLength: 40 };

/** The records that may attend, and their aggregate types; a `user` attendee is the id of a user of the tenant. */
export const ATTENDEE_RECORD_TYPES = { contact: 'sales.contact', lead: 'sales.lead' } as const;
export type Attendee = { type: 'user' | keyof typeof ATTENDEE_RECORD_TYPES; id: string };

/** At most this many attendees, as tags; more or a repeated one is a 400 `validation_failed`. */
export const MAX_ATTENDEES = 50;

// A user id takes any text of 1 to 128 characters, as `ownerId`, so that one naming no user is a
// 422 `linked_record_not_found` like a missing contact, not a 400; every attendee is looked up in the tenant.
const ATTENDEE: JsonObject = {
  type: 'object', additionalProperties: false, required: ['type', 'id'],
  properties: { type: { type: 'string', enum: ['user', ...Object.keys(ATTENDEE_RECORD_TYPES)] }, id: { type: 'string', minLength: 1, maxLength: 128 } },
  if: { properties: { type: { const: 'user' } } },
  else: { properties: { id: ID } },
  examples: [{ type: 'contact', id: '0190f3c2-8e4b-7c6d-9a0b-1c2d3e4f5a6b' }],
};

const LINKED_TO: JsonObject = {
  type: 'object', additionalProperties: false, required: ['type', 'id'],
  properties: { type: { type: 'string', enum: Object.keys(LINKABLE_TYPES) }, id: ID },
  examples: [{ type: 'opportunity', id: '0190f3c2-8e4b-7c6d-9a0b-1c2d3e4f5a6b' }],
};

export const activityKind: RecordKind = {
  type: 'sales.activity',
  eventPrefix: 'Activity',
  fields: {
    kind: { type: 'string', enum: [...ACTIVITY_KINDS] },
    subject: { type: 'string', minLength: 1, maxLength: 200 },
    notes: { type: 'string', maxLength: 4000 },
    priority: { type: 'string', enum: ['low', 'normal', 'high'] },
    linkedTo: LINKED_TO,
    attendees: { type: 'array', maxItems: MAX_ATTENDEES, uniqueItems: true, items: ATTENDEE },
    attendeeIds: { type: 'array', maxItems: MAX_ATTENDEES, items: { type: 'string', maxLength: 128 } },
    dueAt: TIME,
    startsAt: TIME,
    endsAt: TIME,
    remindAt: TIME,
    dueTime: TIME,
    activityStatus: { type: 'string', enum: [...ACTIVITY_STATUSES] },
    completedAt: TIME,
    outcome: { type: 'string', maxLength: 2000 },
    cancelledReason: { type: 'string', maxLength: 500 },
    reminderSentFor: TIME,
  },
  required: ['kind', 'subject', 'linkedTo'],
  personal: ['subject', 'notes', 'outcome', 'cancelledReason'],
  legacyPlaintext: ['cancelledReason'],
  classification: {
    kind: 'internal', subject: 'personal', notes: 'personal', priority: 'internal', linkedTo: 'internal',
    attendees: 'internal', attendeeIds: 'internal',
    dueAt: 'internal', startsAt: 'internal', endsAt: 'internal', remindAt: 'internal', dueTime: 'internal',
    activityStatus: 'internal', completedAt: 'internal', outcome: 'personal', cancelledReason: 'personal', reminderSentFor: 'internal',
  },
  subject: 'self',
  filterable: ['kind', 'activityStatus', 'priority', 'linkedTo.type', 'linkedTo.id', 'attendeeIds', 'dueTime', 'dueAt', 'startsAt', 'completedAt'],
  sortable: ['dueTime', 'dueAt', 'startsAt', 'completedAt'],
  searchable: ['subject', 'notes'],
  // `attendeeIds` (the attendees' ids, for the list's filter) is derived from `attendees` by the decider.
  readOnly: ['attendeeIds', 'dueTime', 'activityStatus', 'completedAt', 'outcome', 'cancelledReason', 'reminderSentFor'],
  effects: {
    Completed: (data: JsonObject) => ({ activityStatus: 'completed', completedAt: data.completedAt ?? null, outcome: data.outcome ?? null }),
    Rescheduled: (data: JsonObject) => ({
      dueAt: data.dueAt ?? null, startsAt: data.startsAt ?? null, endsAt: data.endsAt ?? null,
      remindAt: data.remindAt ?? null, dueTime: data.dueTime ?? null,
    }),
    Cancelled: (data: JsonObject) => ({ activityStatus: 'cancelled', cancelledReason: data.reason ?? null }),
    ReminderSent: (data: JsonObject) => ({ reminderSentFor: data.remindAt ?? null }),
    Relinked: (data: JsonObject) => ({
      ...(data.linkedTo === undefined ? {} : { linkedTo: data.linkedTo }),
      ...(data.attendees === undefined ? {} : { attendees: data.attendees, attendeeIds: data.attendeeIds ?? null }),
    }),
  },
  personalEffects: { Completed: { outcome: 'outcome' }, Cancelled: { reason: 'cancelledReason' } },
};
