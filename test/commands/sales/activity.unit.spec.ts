import { activityDecider, type ActivityCommand } from '../../../src/commands/sales/activity.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(activityDecider);

const linkedTo = { type: 'opportunity', id: 'opp-1' };
const create = (fields: object = {}, linkFound = true): ActivityCommand => ({
  type: 'CreateRecord', ownerId: 'u1', tags: [], subjectId: 'subj-1', linkFound,
  // As JSON bodies arrive: a field given as `undefined` is absent.
  fields: JSON.parse(JSON.stringify({ kind: 'task', subject: 'Send the proposal', linkedTo, dueAt: '2026-12-01T10:00:00+01:00', remindAt: '2026-12-01T08:00:00Z', ...fields })),
});
const created = {
  type: 'ActivityCreated',
  data: {
    subjectId: 'subj-1', ownerId: 'u1', tags: [],
    fields: {
      kind: 'task', subject: 'Send the proposal', linkedTo, dueAt: '2026-12-01T09:00:00.000Z', remindAt: '2026-12-01T08:00:00.000Z',
      dueTime: '2026-12-01T09:00:00.000Z', activityStatus: 'open',
    },
  },
};
const meeting = {
  type: 'ActivityCreated',
  data: {
    subjectId: 'subj-1', ownerId: 'u1', tags: [],
    fields: {
      kind: 'meeting', subject: 'Demo', linkedTo, startsAt: '2026-12-02T14:00:00.000Z', endsAt: '2026-12-02T15:00:00.000Z',
      dueTime: '2026-12-02T14:00:00.000Z', activityStatus: 'open',
    },
  },
};
const note = { type: 'ActivityCreated', data: { subjectId: 'subj-1', ownerId: 'u1', tags: [], fields: { kind: 'note', subject: 'Met at fair', linkedTo, activityStatus: 'open' } } };
const completed = { type: 'ActivityCompleted', data: { subjectId: 'subj-1', completedAt: '2026-12-01T12:00:00.000Z', outcome: 'Sent' } };
const cancelled = { type: 'ActivityCancelled', data: { subjectId: 'subj-1', reason: 'Deal lost' } };
const archived = { type: 'ActivityArchived', data: { reason: null } };
const reminded = { type: 'ActivityReminderSent', data: { remindAt: '2026-12-01T08:00:00.000Z', dueTime: '2026-12-01T09:00:00.000Z' } };
const rescheduled = {
  type: 'ActivityRescheduled',
  data: { dueAt: '2026-12-05T09:00:00.000Z', startsAt: null, endsAt: null, remindAt: '2026-12-05T08:00:00.000Z', dueTime: '2026-12-05T09:00:00.000Z' },
};

describe('Activity decider', () => {
  describe('CreateRecord', () => {
    it('creates an open activity, its times in UTC and its due time derived', () => {
      given().when(create()).then(created);
    });
    it('takes a meeting\'s start as its due time and a note without any time', () => {
      given().when(create({ kind: 'meeting', subject: 'Demo', dueAt: undefined, remindAt: undefined, startsAt: '2026-12-02T14:00:00Z', endsAt: '2026-12-02T15:00:00Z' }))
        .then(meeting);
      given().when(create({ kind: 'note', subject: 'Met at fair', dueAt: undefined, remindAt: undefined })).then(note);
    });
    it('refuses a link to a record that does not exist (422 linked_record_not_found)', () => {
      given().when(create({}, false)).thenFails('linked_record_not_found');
    });
    it('refuses a note with a time, a task with a start, a meeting without a start (422)', () => {
      given().when(create({ kind: 'note', remindAt: undefined })).thenFails('note_not_scheduled');
      given().when(create({ startsAt: '2026-12-01T10:00:00Z' })).thenFails('schedule_mismatch');
      given().when(create({ kind: 'call', dueAt: undefined })).thenFails('time_required');
    });
    it('refuses a meeting that ends before or when it starts (422 end_before_start)', () => {
      const times = { kind: 'meeting', dueAt: undefined, startsAt: '2026-12-02T14:00:00Z' };
      given().when(create({ ...times, endsAt: '2026-12-02T13:00:00Z' })).thenFails('end_before_start');
      given().when(create({ ...times, endsAt: '2026-12-02T15:00:00+01:00' })).thenFails('end_before_start');
    });
    it('refuses a reminder after the due time or the start (422 reminder_after_due_time); at it or before is fine', () => {
      given().when(create({ remindAt: '2026-12-01T09:00:01Z' })).thenFails('reminder_after_due_time');
      const times = { kind: 'meeting', dueAt: undefined, startsAt: '2026-12-02T14:00:00Z' };
      given().when(create({ ...times, remindAt: '2026-12-02T15:00:00+00:30' })).thenFails('reminder_after_due_time');
      given().when(create({ remindAt: '2026-12-01T09:00:00Z' })).then({
        ...created, data: { ...created.data, fields: { ...created.data.fields, remindAt: '2026-12-01T09:00:00.000Z' } },
      });
    });
    it('refuses a time before 1900 or after 9999 in UTC (422 time_out_of_range)', () => {
      given().when(create({ dueAt: '0000-01-01T00:00:00Z', remindAt: undefined })).thenFails('time_out_of_range');
      given().when(create({ dueAt: '1900-01-01T00:30:00+01:00', remindAt: undefined })).thenFails('time_out_of_range');
      given().when(create({ dueAt: '9999-12-31T23:59:59-05:00', remindAt: undefined })).thenFails('time_out_of_range');
      given().when(create({ remindAt: '1899-12-31T23:59:59Z' })).thenFails('time_out_of_range');
    });
    it('refuses a leap second as any other unreadable time (400 validation_failed)', () => {
      given().when(create({ dueAt: '2026-12-31T23:59:60Z', remindAt: undefined })).thenFails('validation_failed');
    });
  });

  describe('UpdateRecord', () => {
    it('changes the text of an open activity', () => {
      given(created).when({ type: 'UpdateRecord', changes: { notes: 'Attach the price list' }, linkFound: true })
        .then({ type: 'ActivityUpdated', data: { subjectId: 'subj-1', changes: { notes: 'Attach the price list' } } });
    });
    it('refuses to change a completed or cancelled activity (409 activity_closed)', () => {
      given(created, completed).when({ type: 'UpdateRecord', changes: { subject: 'x' }, linkFound: true }).thenFails('activity_closed');
      given(created, cancelled).when({ type: 'UpdateRecord', changes: { subject: 'x' }, linkFound: true }).thenFails('activity_closed');
    });
    it('refuses to change the kind or link (field_fixed) or a time (reschedule_required) (422)', () => {
      given(created).when({ type: 'UpdateRecord', changes: { kind: 'call' }, linkFound: true }).thenFails('field_fixed');
      given(created).when({ type: 'UpdateRecord', changes: { linkedTo: { type: 'account', id: 'a' } }, linkFound: true }).thenFails('field_fixed');
      given(created).when({ type: 'UpdateRecord', changes: { dueAt: '2027-01-01T00:00:00Z' }, linkFound: true }).thenFails('reschedule_required');
    });
    it('lets a patch repeat the kind or clear an absent time, changing nothing', () => {
      given(meeting).when({ type: 'UpdateRecord', changes: { kind: 'meeting', remindAt: null }, linkFound: true }).then();
    });
    it('reads the link merged (RFC 7386): repeating a member of it changes nothing, another id is field_fixed', () => {
      given(created).when({ type: 'UpdateRecord', changes: { linkedTo: { id: 'opp-1' } }, linkFound: true }).then();
      given(created).when({ type: 'UpdateRecord', changes: { linkedTo: { id: 'opp-2' } }, linkFound: true }).thenFails('field_fixed');
    });
  });

  describe('CompleteActivity', () => {
    it('completes an open activity with its outcome, under its subject', () => {
      given(created).when({ type: 'CompleteActivity', at: '2026-12-01T12:00:00Z', outcome: 'Sent' }).then(completed);
    });
    it('refuses a completed, cancelled (409 activity_closed), archived (409) or missing (404) activity', () => {
      given(created, completed).when({ type: 'CompleteActivity', at: '2026-12-01T12:00:00Z' }).thenFails('activity_closed');
      given(created, cancelled).when({ type: 'CompleteActivity', at: '2026-12-01T12:00:00Z' }).thenFails('activity_closed');
      given(created, archived).when({ type: 'CompleteActivity', at: '2026-12-01T12:00:00Z' }).thenFails('record_archived');
      given().when({ type: 'CompleteActivity', at: '2026-12-01T12:00:00Z' }).thenFails('not_found');
    });
  });

  describe('RescheduleActivity', () => {
    it('replaces the schedule; the same schedule again changes nothing', () => {
      const schedule = { dueAt: '2026-12-05T09:00:00Z', remindAt: '2026-12-05T08:00:00Z' };
      given(created).when({ type: 'RescheduleActivity', schedule }).then(rescheduled);
      given(created, rescheduled).when({ type: 'RescheduleActivity', schedule }).then();
    });
    it('moves a meeting that still ends after it starts', () => {
      given(meeting).when({ type: 'RescheduleActivity', schedule: { startsAt: '2026-12-03T14:00:00Z', endsAt: '2026-12-03T14:30:00Z' } }).then({
        type: 'ActivityRescheduled',
        data: { dueAt: null, startsAt: '2026-12-03T14:00:00.000Z', endsAt: '2026-12-03T14:30:00.000Z', remindAt: null, dueTime: '2026-12-03T14:00:00.000Z' },
      });
    });
    it('refuses a note (422 note_not_scheduled), a missing due time or an end before the start (422), a closed activity (409)', () => {
      given(note).when({ type: 'RescheduleActivity', schedule: { dueAt: '2026-12-05T09:00:00Z' } }).thenFails('note_not_scheduled');
      given(created).when({ type: 'RescheduleActivity', schedule: { remindAt: '2026-12-05T08:00:00Z' } }).thenFails('time_required');
      given(meeting).when({ type: 'RescheduleActivity', schedule: { startsAt: '2026-12-03T14:00:00Z', endsAt: '2026-12-03T13:00:00Z' } }).thenFails('end_before_start');
      given(meeting).when({ type: 'RescheduleActivity', schedule: { dueAt: '2026-12-03T14:00:00Z' } }).thenFails('schedule_mismatch');
      given(created, completed).when({ type: 'RescheduleActivity', schedule: { dueAt: '2026-12-05T09:00:00Z' } }).thenFails('activity_closed');
    });
    it('refuses a reminder after the new due time or start, a time out of range (422) and a leap second (400), as a create does', () => {
      given(created).when({ type: 'RescheduleActivity', schedule: { dueAt: '2026-12-05T09:00:00Z', remindAt: '2026-12-05T10:00:00Z' } }).thenFails('reminder_after_due_time');
      given(meeting).when({ type: 'RescheduleActivity', schedule: { startsAt: '2026-12-03T14:00:00Z', remindAt: '2026-12-03T14:01:00Z' } }).thenFails('reminder_after_due_time');
      given(created).when({ type: 'RescheduleActivity', schedule: { dueAt: '0000-01-01T00:00:00Z' } }).thenFails('time_out_of_range');
      given(created).when({ type: 'RescheduleActivity', schedule: { dueAt: '2026-12-31T23:59:60Z' } }).thenFails('validation_failed');
    });
  });

  describe('CancelActivity', () => {
    it('cancels an open activity with a reason', () => {
      given(created).when({ type: 'CancelActivity', reason: 'Deal lost' }).then(cancelled);
    });
    it('refuses a missing or blank reason (422 reason_required) and a closed activity (409 activity_closed)', () => {
      given(created).when({ type: 'CancelActivity', reason: '  ' }).thenFails('reason_required');
      given(created).when({ type: 'CancelActivity', reason: '' }).thenFails('reason_required');
      given(created).when({ type: 'CancelActivity' }).thenFails('reason_required');
      given(created, cancelled).when({ type: 'CancelActivity', reason: 'again' }).thenFails('activity_closed');
      given(created, completed).when({ type: 'CancelActivity', reason: 'late' }).thenFails('activity_closed');
    });
  });

  describe('SendActivityReminder', () => {
    const remind = { type: 'SendActivityReminder' as const, remindAt: '2026-12-01T08:00:00.000Z' };
    it('records the reminder of an open activity at its reminder time, once', () => {
      given(created).when(remind).then(reminded);
      given(created, reminded).when(remind).then();
    });
    it('does nothing for a stale time, a closed, archived or missing activity', () => {
      given(created, rescheduled).when(remind).then();
      given(created, completed).when(remind).then();
      given(created, cancelled).when(remind).then();
      given(created, archived).when(remind).then();
      given().when(remind).then();
    });
  });

  describe('RelinkActivity', () => {
    const loser = { type: 'contact' as const, id: 'c-loser' };
    const survivor = { type: 'contact' as const, id: 'c-survivor' };
    const relink = { type: 'RelinkActivity' as const, from: 'c-loser', to: 'c-survivor' };
    const withFields = (base: { type: string; data: { fields: object } }, fields: object) => ({ ...base, data: { ...base.data, fields: { ...base.data.fields, ...fields } } });
    const ofLoser = withFields(created, { linkedTo: loser });
    const user = { type: 'user', id: 'u1' };
    it('moves the link to the loser to the survivor, whatever the status, archived too', () => {
      const moved = { type: 'ActivityRelinked', data: { from: loser, to: survivor, linkedTo: survivor } };
      given(ofLoser).when(relink).then(moved);
      given(ofLoser, completed).when(relink).then(moved);
      given(ofLoser, cancelled, archived).when(relink).then(moved);
    });
    it('replaces the loser among the attendees by the survivor, in its place, or drops it when the survivor attends already', () => {
      const attended = withFields(meeting, { attendees: [user, loser], attendeeIds: ['u1', 'c-loser'] });
      given(attended).when(relink)
        .then({ type: 'ActivityRelinked', data: { from: loser, to: survivor, attendees: [user, survivor], attendeeIds: ['u1', 'c-survivor'] } });
      const both = withFields(meeting, { linkedTo: loser, attendees: [loser, user, survivor], attendeeIds: ['c-loser', 'u1', 'c-survivor'] });
      given(both).when(relink)
        .then({ type: 'ActivityRelinked', data: { from: loser, to: survivor, linkedTo: survivor, attendees: [user, survivor], attendeeIds: ['u1', 'c-survivor'] } });
    });
    it('does nothing once moved, for an activity not naming the loser (a lead of the same id is not it), or a missing one', () => {
      const moved = { type: 'ActivityRelinked', data: { from: loser, to: survivor, linkedTo: survivor } };
      given(ofLoser, moved).when(relink).then();
      given(created).when(relink).then();
      given(withFields(meeting, { linkedTo: { type: 'lead', id: 'c-loser' }, attendees: [{ type: 'lead', id: 'c-loser' }], attendeeIds: ['c-loser'] })).when(relink).then();
      given().when(relink).then();
    });
    it('keeps its status: a completed activity moved stays completed (409 activity_closed on a change)', () => {
      const moved = { type: 'ActivityRelinked', data: { from: loser, to: survivor, linkedTo: survivor } };
      given(ofLoser, completed, moved).when({ type: 'CancelActivity', reason: 'late' }).thenFails('activity_closed');
    });
  });
});
