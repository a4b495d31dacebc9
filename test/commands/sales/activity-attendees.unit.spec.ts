import { activityDecider, type ActivityCommand } from '../../../src/commands/sales/activity.js';
import type { AttendeeFinding } from '../../../src/commands/sales/activity-attendees.js';
import type { JsonObject } from '../../../src/events/log/port.js';
import type { Attendee } from '../../../src/events/sales/activity.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(activityDecider);

const linkedTo = { type: 'opportunity', id: 'opp-1' };
const ada: Attendee = { type: 'user', id: 'u-ada' };
const bo: Attendee = { type: 'contact', id: 'c-bo' };
const lead: Attendee = { type: 'lead', id: 'l-cy' };
const MEETING = { kind: 'meeting', subject: 'Demo', linkedTo, startsAt: '2026-12-02T14:00:00Z' };
/** What the log holds of each attendee: found, unless listed in `missing`; a contact in `merged` was merged into `c-survivor`. */
const findings = (given: Attendee[], missing: Attendee[] = [], merged: Attendee[] = []): AttendeeFinding[] =>
  given.map((a) => ({ ...a, found: !missing.includes(a), ...(merged.includes(a) ? { mergedInto: 'c-survivor' } : {}) }));
const create = (fields: { attendees?: Attendee[]; [field: string]: unknown }, missing: Attendee[] = [], merged: Attendee[] = []): ActivityCommand => ({
  type: 'CreateRecord', ownerId: 'u1', tags: [], subjectId: 'subj-1', linkFound: true, attendeeFindings: findings(fields.attendees ?? [], missing, merged),
  // As JSON bodies arrive: a field given as `undefined` is absent.
  fields: JSON.parse(JSON.stringify({ ...MEETING, ...fields })),
});
const createdWith = (fields: object) => ({
  type: 'ActivityCreated',
  data: {
    subjectId: 'subj-1', ownerId: 'u1', tags: [],
    fields: { ...MEETING, startsAt: '2026-12-02T14:00:00.000Z', dueTime: '2026-12-02T14:00:00.000Z', activityStatus: 'open', ...fields },
  },
});
const meeting = createdWith({ attendees: [ada, bo], attendeeIds: ['u-ada', 'c-bo'] });
const task = {
  type: 'ActivityCreated',
  data: { subjectId: 'subj-1', ownerId: 'u1', tags: [], fields: { kind: 'task', subject: 'Send it', linkedTo, activityStatus: 'open' } },
};
const patch = (changes: { attendees: Attendee[] | null }, missing: Attendee[] = [], merged: Attendee[] = []): ActivityCommand =>
  ({ type: 'UpdateRecord', changes: { ...changes }, linkFound: true, attendeeFindings: findings(changes.attendees ?? [], missing, merged) });
const updated = (changes: JsonObject) => ({ type: 'ActivityUpdated', data: { subjectId: 'subj-1', changes } });

describe('Activity decider: attendees', () => {
  describe('CreateRecord', () => {
    it('records a meeting\'s attendees and their ids', () => {
      given().when(create({ attendees: [ada, bo] })).then(meeting);
    });
    it('lets a call have attendees too', () => {
      given().when(create({ kind: 'call', attendees: [lead] }))
        .then(createdWith({ kind: 'call', attendees: [lead], attendeeIds: ['l-cy'] }));
    });
    it('reads an empty list as no attendees, whatever the kind', () => {
      given().when(create({ attendees: [] })).then(createdWith({}));
      given().when(create({ kind: 'note', startsAt: undefined, attendees: [] })).then({
        type: 'ActivityCreated', data: { subjectId: 'subj-1', ownerId: 'u1', tags: [], fields: { kind: 'note', subject: 'Demo', linkedTo, activityStatus: 'open' } },
      });
    });
    it('refuses attendees on a task or a note (422 attendees_not_applicable), before looking at whether they exist', () => {
      given().when(create({ kind: 'task', startsAt: undefined, attendees: [ada] })).thenFails('attendees_not_applicable');
      given().when(create({ kind: 'note', startsAt: undefined, attendees: [bo] }, [bo])).thenFails('attendees_not_applicable');
    });
    it('refuses a user, contact or lead the tenant does not hold (422 linked_record_not_found)', () => {
      given().when(create({ attendees: [ada, bo, lead] }, [lead])).thenFails('linked_record_not_found');
      given().when(create({ attendees: [ada, bo] }, [ada])).thenFails('linked_record_not_found');
    });
    it('refuses a contact merged into another (422 linked_record_merged), after the missing ones', () => {
      given().when(create({ attendees: [ada, bo] }, [], [bo])).thenFails('linked_record_merged');
      given().when(create({ attendees: [ada, bo] }, [ada], [bo])).thenFails('linked_record_not_found');
    });
  });

  describe('UpdateRecord', () => {
    it('replaces the list and its ids', () => {
      given(meeting).when(patch({ attendees: [lead, ada] })).then(updated({ attendees: [lead, ada], attendeeIds: ['l-cy', 'u-ada'] }));
    });
    it('clears the list with null or an empty list; the same list again changes nothing', () => {
      const cleared = updated({ attendees: null, attendeeIds: null });
      given(meeting).when(patch({ attendees: null })).then(cleared);
      given(meeting).when(patch({ attendees: [] })).then(cleared);
      given(meeting).when(patch({ attendees: [ada, bo] })).then();
      given(task).when(patch({ attendees: null })).then();
    });
    it('refuses a merged contact or a missing user the patch adds, but not one the list held already', () => {
      given(meeting).when(patch({ attendees: [ada, lead] }, [], [lead])).thenFails('linked_record_merged');
      given(meeting).when(patch({ attendees: [ada, bo, lead] }, [ada], [bo])).then(updated({ attendees: [ada, bo, lead], attendeeIds: ['u-ada', 'c-bo', 'l-cy'] }));
      given(meeting).when(patch({ attendees: [bo] }, [], [bo])).then(updated({ attendees: [bo], attendeeIds: ['c-bo'] }));
    });
    it('refuses attendees on a task (422), a missing contact or lead (422), a closed or archived activity (409)', () => {
      given(task).when(patch({ attendees: [ada] })).thenFails('attendees_not_applicable');
      given(meeting).when(patch({ attendees: [bo, lead] }, [lead])).thenFails('linked_record_not_found');
      const completed = { type: 'ActivityCompleted', data: { subjectId: 'subj-1', completedAt: '2026-12-02T15:00:00.000Z', outcome: null } };
      given(meeting, completed).when(patch({ attendees: [ada] })).thenFails('activity_closed');
      given(meeting, { type: 'ActivityArchived', data: { reason: null } }).when(patch({ attendees: [ada] })).thenFails('record_archived');
    });
  });
});
