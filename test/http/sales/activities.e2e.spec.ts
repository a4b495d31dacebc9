import { expect } from 'chai';
import { tokenFor } from '../../support/http.js';
import { createUserIn } from '../../support/tenant.js';
import { expectReasonRequired, salesSession, type SalesSession } from './session.js';

const YEAR = new Date().getUTCFullYear();
const FUTURE = `${YEAR + 1}-03-01T09:00:00.000Z`;

/** Reads until `done` holds (reminders fire as jobs, after the request). */
const eventually = async (session: SalesSession, path: string, done: (body: any) => boolean, token?: string) => {
  for (let i = 0; i < 100; i++) {
    await session.reachedHead();
    const { body } = await session.get(path, token);
    if (done(body)) return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${path} never reached the expected state`);
};
const typesOf = (history: { data: { type: string }[] }) => history.data.map((e) => e.type);
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

describe('/sales/activities', () => {
  const session = salesSession();
  const { server, admin, globex, send, get, head } = session;
  let opportunityId = '';
  const task = (body: object = {}, token = admin()) =>
    send('POST', '/sales/activities', { kind: 'task', subject: 'Send the proposal', linkedTo: { type: 'opportunity', id: opportunityId }, dueAt: FUTURE, ...body }, token);

  before(async () => {
    opportunityId = (await send('POST', '/sales/opportunities', { name: 'Big deal' })).body.id;
  });

  describe('POST /sales/activities', () => {
    it('answers 201; the read shows the open activity, its due time and a subject of its own', async () => {
      const res = await task({ dueAt: `${YEAR + 1}-03-01T10:00:00+01:00`, priority: 'high' });
      expect(res.status).to.equal(201);
      const activity = (await get(`/sales/activities/${res.body.id}`)).body;
      expect(activity).to.include({ kind: 'task', activityStatus: 'open', dueAt: FUTURE, dueTime: FUTURE, priority: 'high', ownerId: 'user-admin' });
      expect(activity.subjectId).to.be.a('string');
    });

    it('links a meeting to a contact, about that contact\'s person', async () => {
      const contact = (await send('POST', '/sales/contacts', { firstName: 'Ada', lastName: 'King', email: 'ada@example.org' })).body.id;
      const body = { kind: 'meeting', subject: 'Demo', linkedTo: { type: 'contact', id: contact }, startsAt: FUTURE, endsAt: `${YEAR + 1}-03-01T10:00:00Z` };
      const { id } = (await send('POST', '/sales/activities', body)).body;
      const [activity, person] = [(await get(`/sales/activities/${id}`)).body, (await get(`/sales/contacts/${contact}`)).body];
      expect(activity).to.include({ dueTime: FUTURE, subjectId: person.subjectId });
    });

    it('refuses a link to a missing or another tenant\'s record and times that break the rules (422), appending nothing', async () => {
      const before = await head();
      const missing = await task({ linkedTo: { type: 'account', id: 'no-such-account' } });
      const foreign = await task({}, globex());
      const note = await send('POST', '/sales/activities', { kind: 'note', subject: 'x', linkedTo: { type: 'opportunity', id: opportunityId }, dueAt: FUTURE });
      const ends = await task({ kind: 'call', dueAt: undefined, startsAt: FUTURE, endsAt: `${YEAR + 1}-03-01T08:00:00Z` });
      expect([missing, foreign, note, ends].map((r) => [r.status, r.body.code])).to.deep.equal([
        [422, 'linked_record_not_found'], [422, 'linked_record_not_found'], [422, 'note_not_scheduled'], [422, 'end_before_start'],
      ]);
      expect(await head()).to.equal(before);
    });

    it('refuses a reminder after the due time or start (422 reminder_after_due_time) and a year before 1900 or after 9999 (422 time_out_of_range), appending nothing', async () => {
      const before = await head();
      const lateTask = await task({ remindAt: `${YEAR + 1}-03-01T09:00:01Z` });
      const lateCall = await task({ kind: 'call', dueAt: undefined, startsAt: FUTURE, remindAt: `${YEAR + 1}-03-01T10:00:00Z` });
      const ancient = await task({ dueAt: '0000-01-01T00:00:00Z' });
      const beyond = await task({ dueAt: '9999-12-31T23:59:59-05:00' });
      expect([lateTask, lateCall, ancient, beyond].map((r) => [r.status, r.body.code])).to.deep.equal([
        [422, 'reminder_after_due_time'], [422, 'reminder_after_due_time'], [422, 'time_out_of_range'], [422, 'time_out_of_range'],
      ]);
      expect(await head()).to.equal(before);
      expect((await task({ remindAt: FUTURE })).status).to.equal(201);
    });

    it('refuses a leap second as any malformed time (400 validation_failed at its field), appending nothing', async () => {
      const before = await head();
      for (const dueAt of [`${YEAR + 1}-12-31T23:59:60Z`, 'tomorrow']) {
        const res = await task({ dueAt });
        expect([res.status, res.body.code, res.body.errors.map((e: { pointer: string }) => e.pointer)]).to.deep.equal([400, 'validation_failed', ['/dueAt']]);
      }
      expect(await head()).to.equal(before);
    });

    it('refuses malformed input with a 400 problem naming the fields, appending nothing', async () => {
      const before = await head();
      const res = await task({ dueAt: 'tomorrow', activityStatus: 'completed', linkedTo: { type: 'ticket', id: 'x' } });
      expect(res.status).to.equal(400);
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).to.include.members(['/dueAt', '/activityStatus', '/linkedTo/type']);
      expect(await head()).to.equal(before);
    });

    it('answers 403 to a role without the permission and 404 to another tenant', async () => {
      const auditor = await tokenFor(server(), { tenantId: 'acme', actorId: 'aud', roles: ['auditor'] });
      expect((await task({}, auditor)).status).to.equal(403);
      const { id } = (await task()).body;
      expect((await get(`/sales/activities/${id}`, globex())).status).to.equal(404);
      for (const path of ['complete', 'cancel', 'reschedule']) {
        expect((await send('POST', `/sales/activities/${id}/${path}`, path === 'complete' ? {} : path === 'cancel' ? { reason: 'x' } : { dueAt: FUTURE }, globex())).status).to.equal(404);
      }
      expect((await send('PATCH', `/sales/activities/${id}`, { subject: 'Mine now' }, globex())).status).to.equal(404);
      expect((await get(`/sales/activities/${id}`)).body.activityStatus).to.equal('open');
    });
  });

  describe('PATCH /sales/activities/:id', () => {
    it('changes an open activity; a stale If-Match is a 412; times need a reschedule (422); a closed one is a 409', async () => {
      const { id } = (await task()).body;
      expect((await send('PATCH', `/sales/activities/${id}`, { notes: 'Attach the price list' }, admin(), { 'If-Match': '"0"' })).status).to.equal(200);
      expect((await send('PATCH', `/sales/activities/${id}`, { notes: 'stale' }, admin(), { 'If-Match': '"0"' })).status).to.equal(412);
      const times = await send('PATCH', `/sales/activities/${id}`, { dueAt: `${YEAR + 2}-01-01T00:00:00Z` });
      expect([times.status, times.body.code]).to.deep.equal([422, 'reschedule_required']);
      await send('POST', `/sales/activities/${id}/complete`, {});
      const before = await head();
      const closed = await send('PATCH', `/sales/activities/${id}`, { notes: 'too late' });
      expect([closed.status, closed.body.code]).to.deep.equal([409, 'activity_closed']);
      expect(await head()).to.equal(before);
      expect((await get(`/sales/activities/${id}`)).body.notes).to.equal('Attach the price list');
    });

    it('changes the owner and tags of a completed or cancelled activity, archives and restores it; its fields, schedule and state stay closed (409)', async () => {
      const colleague = await createUserIn(server(), admin(), 'colleague@activities.example', ['sales_rep']);
      const [done, dropped] = [(await task()).body.id, (await task()).body.id];
      await send('POST', `/sales/activities/${done}/complete`, {});
      await send('POST', `/sales/activities/${dropped}/cancel`, { reason: 'Deal lost' });
      for (const id of [done, dropped]) {
        expect((await send('PUT', `/sales/activities/${id}/owner`, { ownerId: colleague })).status).to.equal(200);
        expect((await send('POST', `/sales/activities/${id}/tags`, { add: ['reviewed'] })).status).to.equal(200);
        expect((await get(`/sales/activities/${id}`)).body).to.deep.include({ ownerId: colleague, tags: ['reviewed'] });
        expect((await send('POST', `/sales/activities/${id}/archive`, {})).status).to.equal(200);
        expect((await send('POST', `/sales/activities/${id}/restore`, {})).status).to.equal(200);
        const before = await head();
        for (const [method, path, body] of [['PATCH', '', { notes: 'x' }], ['POST', '/reschedule', { dueAt: FUTURE }], ['POST', '/complete', {}], ['POST', '/cancel', { reason: 'x' }]] as const) {
          expect((await send(method, `/sales/activities/${id}${path}`, body)).body.code).to.equal('activity_closed');
        }
        expect(await head()).to.equal(before);
      }
    });
  });

  describe('POST /sales/activities/:id/complete, /reschedule, /cancel', () => {
    it('completes with an outcome once; the second is a 409 activity_closed', async () => {
      const { id } = (await task()).body;
      const done = await send('POST', `/sales/activities/${id}/complete`, { outcome: 'Sent by mail' }, admin(), { 'If-Match': '"0"' });
      expect(done.status).to.equal(200);
      expect((await get(`/sales/activities/${id}`)).body).to.include({ activityStatus: 'completed', outcome: 'Sent by mail' });
      expect((await get(`/sales/activities/${id}`)).body.completedAt).to.be.a('string');
      const again = await send('POST', `/sales/activities/${id}/complete`, {});
      expect([again.status, again.body.code, again.body.activityStatus]).to.deep.equal([409, 'activity_closed', 'completed']);
    });

    it('reschedules with If-Match (412 when stale), refusing a note (422), then cancels with a reason', async () => {
      const { id } = (await task()).body;
      const later = `${YEAR + 1}-04-01T09:00:00.000Z`;
      expect((await send('POST', `/sales/activities/${id}/reschedule`, { dueAt: later }, admin(), { 'If-Match': '"7"' })).status).to.equal(412);
      expect((await send('POST', `/sales/activities/${id}/reschedule`, { dueAt: later }, admin(), { 'If-Match': '"0"' })).status).to.equal(200);
      expect((await get(`/sales/activities/${id}`)).body).to.include({ dueAt: later, dueTime: later });
      const note = (await send('POST', '/sales/activities', { kind: 'note', subject: 'Met', linkedTo: { type: 'opportunity', id: opportunityId } })).body.id;
      expect((await send('POST', `/sales/activities/${note}/reschedule`, { dueAt: later })).body.code).to.equal('note_not_scheduled');
      expect((await send('POST', `/sales/activities/${id}/cancel`, {})).body.code).to.equal('reason_required');
      expect((await send('POST', `/sales/activities/${id}/cancel`, { reason: 'Deal lost' })).status).to.equal(200);
      expect((await get(`/sales/activities/${id}`)).body).to.include({ activityStatus: 'cancelled', cancelledReason: 'Deal lost' });
      expect((await send('POST', `/sales/activities/${id}/reschedule`, { dueAt: later })).body.code).to.equal('activity_closed');
      expect(typesOf((await get(`/sales/activities/${id}/history`)).body)).to.deep.equal(['ActivityCreated', 'ActivityRescheduled', 'ActivityCancelled']);
    });

    it('reschedules under the create\'s time rules: a late reminder or a year out of range is a 422, a leap second a 400, appending nothing', async () => {
      const { id } = (await task()).body;
      const before = await head();
      const late = await send('POST', `/sales/activities/${id}/reschedule`, { dueAt: FUTURE, remindAt: `${YEAR + 1}-03-02T09:00:00Z` });
      const ancient = await send('POST', `/sales/activities/${id}/reschedule`, { dueAt: '0000-01-01T00:00:00Z' });
      const leap = await send('POST', `/sales/activities/${id}/reschedule`, { dueAt: `${YEAR + 1}-12-31T23:59:60Z` });
      expect([late, ancient, leap].map((r) => [r.status, r.body.code])).to.deep.equal([
        [422, 'reminder_after_due_time'], [422, 'time_out_of_range'], [400, 'validation_failed'],
      ]);
      expect(await head()).to.equal(before);
    });

    it('refuses to cancel without a reason, or with an empty or whitespace-only one (422 reason_required), writing nothing', async () => {
      const { id } = (await task()).body;
      await expectReasonRequired(session, `/sales/activities/${id}/cancel`);
      for (const body of [{ reason: 5 }, { reason: 'x'.repeat(501) }, { reason: 'Deal lost', extra: 1 }]) {
        const res = await send('POST', `/sales/activities/${id}/cancel`, body);
        expect([res.status, res.body.code], JSON.stringify(body)).to.deep.equal([400, 'validation_failed']);
      }
    });
  });

  describe('GET /sales/activities', () => {
    it('filters by link and status and sorts by due time', async () => {
      const { body: { id: dealId } } = await send('POST', '/sales/opportunities', { name: 'Listed deal' });
      const linkedTo = { type: 'opportunity', id: dealId };
      const ids = [];
      for (const month of ['06', '05', '07']) ids.push((await task({ linkedTo, dueAt: `${YEAR + 1}-${month}-01T09:00:00Z` })).body.id);
      await send('POST', `/sales/activities/${ids[2]}/cancel`, { reason: 'not needed' });
      const filter = encodeURIComponent(`and(linkedTo.id[eq]:"${dealId}",activityStatus[eq]:"open")`);
      const list = await get(`/sales/activities?filter=${filter}&sort=dueTime`);
      expect(list.body.data.map((a: { id: string }) => a.id)).to.deep.equal([ids[1], ids[0]]);
    });
  });

  describe('reminders and erasure', () => {
    it('fires a reminder at its time through the job queue; a rescheduled reminder\'s old timer does nothing', async () => {
      const [first, remindAt] = [inMs(800), inMs(300)];
      const { id } = (await task({ remindAt: first })).body;
      await send('POST', `/sales/activities/${id}/reschedule`, { dueAt: FUTURE, remindAt });
      const activity = await eventually(session, `/sales/activities/${id}`, (a) => a.reminderSentFor !== undefined);
      expect(activity.reminderSentFor).to.equal(remindAt);
      const oldTimer = `activity-reminder.${id}.${Date.parse(first)}`;
      while ((await server().jobs.get('sales.activity-reminder', oldTimer))?.state !== 'completed') await new Promise((resolve) => setTimeout(resolve, 50));
      await session.reachedHead();
      const history = (await get(`/sales/activities/${id}/history`)).body;
      expect(typesOf(history)).to.deep.equal(['ActivityCreated', 'ActivityRescheduled', 'ActivityReminderSent']);
      expect(history.data[2]).to.deep.include({ actorId: 'system:activity-reminder', data: { remindAt, dueTime: FUTURE } });
    });

    it('fires a reminder rescheduled back to a time whose timer already ran (doing nothing then), at once', async () => {
      const later = `${YEAR + 1}-02-01T09:00:00.000Z`;
      const { id } = (await task({ remindAt: later })).body;
      const soon = inMs(1000);
      await send('POST', `/sales/activities/${id}/reschedule`, { dueAt: FUTURE, remindAt: soon });
      await send('POST', `/sales/activities/${id}/reschedule`, { dueAt: FUTURE, remindAt: later });
      const soonTimer = `activity-reminder.${id}.${Date.parse(soon)}`;
      while ((await server().jobs.get('sales.activity-reminder', soonTimer))?.state !== 'completed') await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await send('POST', `/sales/activities/${id}/reschedule`, { dueAt: FUTURE, remindAt: soon })).status).to.equal(200);
      const activity = await eventually(session, `/sales/activities/${id}`, (a) => a.reminderSentFor !== undefined);
      expect(activity.reminderSentFor).to.equal(soon);
      expect(typesOf((await get(`/sales/activities/${id}/history`)).body)).to.deep.equal([
        'ActivityCreated', 'ActivityRescheduled', 'ActivityRescheduled', 'ActivityRescheduled', 'ActivityReminderSent',
      ]);
    });

    it('fires no reminder while the activity is archived, and a due one once it is restored; a restore after the reminder sends none again', async () => {
      const soon = inMs(800);
      const { id } = (await task({ remindAt: soon })).body;
      await send('POST', `/sales/activities/${id}/archive`, {});
      const timer = `activity-reminder.${id}.${Date.parse(soon)}`;
      while ((await server().jobs.get('sales.activity-reminder', timer))?.state !== 'completed') await new Promise((resolve) => setTimeout(resolve, 50));
      expect(typesOf((await get(`/sales/activities/${id}/history`)).body)).to.deep.equal(['ActivityCreated', 'ActivityArchived']);
      expect((await send('POST', `/sales/activities/${id}/restore`, {})).status).to.equal(200);
      const activity = await eventually(session, `/sales/activities/${id}`, (a) => a.reminderSentFor !== undefined);
      expect(activity.reminderSentFor).to.equal(soon);
      await send('POST', `/sales/activities/${id}/archive`, {});
      await send('POST', `/sales/activities/${id}/restore`, {});
      await new Promise((resolve) => setTimeout(resolve, 300));
      await session.reachedHead();
      expect(typesOf((await get(`/sales/activities/${id}/history`)).body)).to.deep.equal([
        'ActivityCreated', 'ActivityArchived', 'ActivityRestored', 'ActivityReminderSent', 'ActivityArchived', 'ActivityRestored',
      ]);
    });

    it('erases the activity\'s text with its contact\'s person, keeping the other facts', async () => {
      const contact = (await send('POST', '/sales/contacts', { firstName: 'Bo', lastName: 'Gray', email: 'bo@example.org' })).body.id;
      const linkedTo = { type: 'contact', id: contact };
      const { id } = (await send('POST', '/sales/activities', { kind: 'call', subject: 'Call Bo', notes: 'Bo is moving', linkedTo, startsAt: FUTURE })).body;
      await send('POST', `/sales/activities/${id}/complete`, { outcome: 'Bo agreed' });
      const { subjectId } = (await get(`/sales/contacts/${contact}`)).body;
      expect((await send('POST', `/api/compliance/subjects/${subjectId}/erase`, { reason: 'GDPR art. 17' })).status).to.equal(200);
      await session.reachedHead();
      const activity = (await get(`/sales/activities/${id}`)).body;
      expect(activity).to.include({ subject: null, notes: null, outcome: null, kind: 'call', activityStatus: 'completed', startsAt: FUTURE });
      expect(activity.erasedFields).to.have.members(['subject', 'notes', 'outcome']);
      const past = (await get(`/sales/activities/${id}?asOf=1`)).body;
      expect(past).to.include({ subject: null, outcome: null, activityStatus: 'completed' });
      const refused = await send('POST', '/sales/activities', { kind: 'note', subject: 'More on Bo', linkedTo });
      expect([refused.status, refused.body.code]).to.deep.equal([409, 'subject_erased']);
      // A rebuild from the log reads the same as the scrubbed row.
      const ticket = await server().projections.rebuild('sales.activity');
      expect(await ticket.done).to.equal('swapped');
      const rebuilt = (await get(`/sales/activities/${id}`)).body;
      expect(rebuilt).to.deep.equal(activity);
    });

    it('lets a sales rep change only their own activities (403 otherwise)', async () => {
      const rep = await tokenFor(server(), { tenantId: 'acme', actorId: 'rep-9', roles: ['sales_rep'] });
      const theirs = (await task({}, rep)).body.id;
      const { id } = (await task()).body;
      expect((await send('POST', `/sales/activities/${id}/complete`, {}, rep)).status).to.equal(403);
      expect((await send('POST', `/sales/activities/${theirs}/complete`, {}, rep)).status).to.equal(200);
    });
  });
});

describe('GET /sales/activities/overdue', () => {
  const session = salesSession();
  const { server, send, get } = session;
  let rep = '';
  let other = '';
  let linkedTo = {};
  const PAST = (day: string) => `2020-01-${day}T09:00:00.000Z`;
  const create = async (body: object, owner = 'rep-1') =>
    (await send('POST', '/sales/activities', { kind: 'task', subject: 'Follow up', linkedTo, ownerId: owner, ...body }, rep)).body.id as string;

  before(async () => {
    rep = await tokenFor(server(), { tenantId: 'initech', actorId: 'rep-1', roles: ['tenant_admin'] });
    linkedTo = { type: 'opportunity', id: (await send('POST', '/sales/opportunities', { name: 'Deal' }, rep)).body.id };
    // Another owner, a user of the tenant (an owner given is one).
    other = await createUserIn(server(), rep, 'other@initech.example', ['sales_rep']);
  });

  it('lists the owner\'s open activities due before now, earliest first, paged; not future, closed, archived or others\'', async () => {
    const late = await create({ dueAt: PAST('10') });
    const call = await create({ kind: 'call', startsAt: PAST('05'), endsAt: PAST('06') });
    const lateToo = await create({ dueAt: PAST('20') });
    await create({ dueAt: FUTURE });
    await create({ kind: 'note' });
    await create({});
    const done = await create({ dueAt: PAST('01') });
    await send('POST', `/sales/activities/${done}/complete`, {}, rep);
    const archived = await create({ dueAt: PAST('02') });
    await send('POST', `/sales/activities/${archived}/archive`, {}, rep);
    const others = await create({ dueAt: PAST('03') }, other);
    const first = await get('/sales/activities/overdue?limit=2', rep);
    expect(first.status).to.equal(200);
    expect(first.body.data.map((a: { id: string }) => a.id)).to.deep.equal([call, late]);
    const second = await get(`/sales/activities/overdue?limit=2&cursor=${first.body.page.nextCursor}`, rep);
    expect([second.body.data.map((a: { id: string }) => a.id), second.body.page.nextCursor]).to.deep.equal([[lateToo], null]);
    const theirs = await get(`/sales/activities/overdue?ownerId=${other}`, rep);
    expect(theirs.body.data.map((a: { id: string }) => a.id)).to.deep.equal([others]);
    const calls = await get(`/sales/activities/overdue?filter=${encodeURIComponent('kind[eq]:"call"')}`, rep);
    expect(calls.body.data.map((a: { id: string }) => a.id)).to.deep.equal([call]);
    // A cursor of the view is none of the plain list, even for a reader of their own (same owner, sort and filter).
    const grants = ['sales.activities:read'].map((permission) => ({ permission, scope: 'own' }));
    expect((await send('POST', '/api/admin/roles', { name: 'own_activities', grants }, rep)).status).to.equal(201);
    const own = await tokenFor(server(), { tenantId: 'initech', actorId: 'rep-1', roles: ['own_activities'] });
    const viewCursor = (await get('/sales/activities/overdue?limit=1', own)).body.page.nextCursor;
    const crossed = await get(`/sales/activities?sort=dueTime&limit=1&cursor=${viewCursor}`, own);
    expect([crossed.status, crossed.body.code]).to.deep.equal([400, 'invalid_cursor']);
  });

  it('shows a sales rep their own by default; a role without the read permission gets 403, unknown parameters 400', async () => {
    const salesRep = await tokenFor(server(), { tenantId: 'initech', actorId: other, roles: ['sales_rep'] });
    expect((await get('/sales/activities/overdue', salesRep)).body.data).to.have.length(1);
    const agent = await tokenFor(server(), { tenantId: 'initech', actorId: 'agent', roles: ['support_agent'] });
    expect((await get('/sales/activities/overdue', agent)).status).to.equal(403);
    expect((await get('/sales/activities/overdue?sort=-dueTime', rep)).status).to.equal(400);
  });

  it('points a malformed filter\'s 400 at the position in the caller\'s own filter', async () => {
    const bad = await get(`/sales/activities/overdue?filter=${encodeURIComponent('kind[eq')}`, rep);
    expect([bad.status, bad.body.code, bad.body.position]).to.deep.equal([400, 'invalid_filter', 7]);
  });
});
