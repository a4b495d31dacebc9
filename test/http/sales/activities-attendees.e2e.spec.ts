import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { csvRecords } from '../../../src/commands/sales/csv.js';
import { mergeContacts } from '../../../src/commands/sales/contact-merge.js';
import { salesSession } from './session.js';

const YEAR = new Date().getUTCFullYear();
const FUTURE = `${YEAR + 1}-05-01T09:00:00.000Z`;

/** The rows of a CSV text, as arrays of fields. */
const rowsOf = async (text: string): Promise<string[][]> => {
  const rows: string[][] = [];
  for await (const record of csvRecords((async function* () { yield text; })())) if ('fields' in record) rows.push(record.fields);
  return rows;
};

describe('/sales/activities { attendees }', () => {
  const session = salesSession();
  const { server, admin, globex, send, get, head } = session;
  let linkedTo = {};
  let contact = { type: 'contact', id: '' };
  let lead = { type: 'lead', id: '' };
  const ada = { type: 'user', id: '' };
  const userIn = async (email: string, token = admin()) =>
    (await send('POST', '/api/admin/users', { email, password: 'long enough password', name: 'Attending User', roles: ['sales_rep'] }, token)).body.id as string;
  const contactNamed = async (firstName: string) =>
    (await send('POST', '/sales/contacts', { firstName, lastName: 'Attends', email: `${firstName.toLowerCase()}@attend.example` })).body.id as string;
  const meeting = (body: object = {}, token = admin()) =>
    send('POST', '/sales/activities', { kind: 'meeting', subject: 'Demo', linkedTo, startsAt: FUTURE, ...body }, token);
  const codes = (answers: { status: number; body: { code: string } }[]) => answers.map((r) => [r.status, r.body.code]);

  before(async () => {
    linkedTo = { type: 'opportunity', id: (await send('POST', '/sales/opportunities', { name: 'Attended deal' })).body.id };
    contact = { type: 'contact', id: (await send('POST', '/sales/contacts', { firstName: 'Bo', lastName: 'Gray', email: 'bo@attend.example' })).body.id };
    lead = { type: 'lead', id: (await send('POST', '/sales/leads', { firstName: 'Cy', lastName: 'Park', email: 'cy@attend.example' })).body.id };
    ada.id = await userIn('ada@attend.example');
  });

  describe('POST /sales/activities', () => {
    it('creates a meeting with a user and a contact attending; the read, the list and the history show them', async () => {
      const res = await meeting({ attendees: [ada, contact] });
      expect(res.status).to.equal(201);
      const read = (await get(`/sales/activities/${res.body.id}`)).body;
      expect(read).to.deep.include({ attendees: [ada, contact], attendeeIds: [ada.id, contact.id] });
      const [listed] = (await get(`/sales/activities?filter=${encodeURIComponent(`id[eq]:"${res.body.id}"`)}`)).body.data;
      expect(listed.attendees).to.deep.equal([ada, contact]);
      const [created] = (await get(`/sales/activities/${res.body.id}/history`)).body.data;
      expect(created.data.fields.attendees).to.deep.equal([ada, contact]);
    });

    it('lets a call have attendees; an empty list is none', async () => {
      const call = await meeting({ kind: 'call', attendees: [lead] });
      expect((await get(`/sales/activities/${call.body.id}`)).body.attendees).to.deep.equal([lead]);
      const none = await send('POST', '/sales/activities', { kind: 'task', subject: 'x', linkedTo, attendees: [] });
      expect((await get(`/sales/activities/${none.body.id}`)).body).to.not.have.any.keys('attendees', 'attendeeIds');
    });

    it('refuses attendees on a task or a note (422 attendees_not_applicable), appending nothing', async () => {
      const before = await head();
      const task = await send('POST', '/sales/activities', { kind: 'task', subject: 'x', linkedTo, dueAt: FUTURE, attendees: [ada] });
      const note = await send('POST', '/sales/activities', { kind: 'note', subject: 'x', linkedTo, attendees: [contact] });
      expect(codes([task, note])).to.deep.equal([[422, 'attendees_not_applicable'], [422, 'attendees_not_applicable']]);
      expect(await head()).to.equal(before);
    });

    it('refuses a missing or another tenant\'s contact or lead alike (422 linked_record_not_found naming them), appending nothing', async () => {
      const theirs = (await send('POST', '/sales/contacts', { firstName: 'Di', lastName: 'Globex', email: 'di@globex.example' }, globex())).body.id;
      const before = await head();
      const strangers = [{ type: 'contact', id: theirs }, { type: 'lead', id: 'no-such-lead' }];
      const res = await meeting({ attendees: [ada, contact, ...strangers] });
      expect([res.status, res.body.code, res.body.field, res.body.missing]).to.deep.equal([422, 'linked_record_not_found', 'attendees', strangers]);
      expect(await head()).to.equal(before);
    });

    it('refuses a user id naming no user of the tenant (free text, a record\'s id, another tenant\'s user: 422 linked_record_not_found)', async () => {
      const theirs = await userIn('gus@globex.example', globex());
      const before = await head();
      const strangers = [{ type: 'user', id: 'ada@attend.example' }, { type: 'user', id: contact.id }, { type: 'user', id: theirs }];
      const res = await meeting({ attendees: [ada, ...strangers] });
      expect([res.status, res.body.code, res.body.missing]).to.deep.equal([422, 'linked_record_not_found', strangers]);
      expect(await head()).to.equal(before);
    });

    it('refuses a contact merged into another (422 linked_record_merged naming the survivor), appending nothing', async () => {
      const [survivor, loser] = [await contactNamed('Fay'), await contactNamed('Fae')];
      expect((await send('POST', `/sales/contacts/${survivor}/merge`, { loserId: loser })).status).to.equal(200);
      const before = await head();
      const res = await meeting({ attendees: [ada, { type: 'contact', id: loser }] });
      expect([res.status, res.body.code, res.body.mergedInto, res.body.id]).to.deep.equal([422, 'linked_record_merged', survivor, loser]);
      expect(await head()).to.equal(before);
      expect((await meeting({ attendees: [ada, { type: 'contact', id: survivor }] })).status).to.equal(201);
    });

    it('refuses a repeated attendee, more than 50 or a malformed one (400 validation_failed at /attendees), appending nothing', async () => {
      const fifty = await Promise.all(Array.from({ length: 50 }, async (_, i) =>
        ({ type: 'lead', id: (await send('POST', '/sales/leads', { firstName: 'L', lastName: `${i}`, email: `l${i}@many.example` })).body.id as string })));
      const before = await head();
      const users = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'user', id: `user-${i}` }));
      const twice = await meeting({ attendees: [ada, contact, { id: ada.id, type: 'user' }] });
      const many = await meeting({ attendees: users(51) });
      const odd = await meeting({ attendees: [{ type: 'account', id: 'a-1' }, { type: 'contact', id: 'not an id' }, { type: 'user' }] });
      for (const res of [twice, many, odd]) {
        expect([res.status, res.body.code]).to.deep.equal([400, 'validation_failed']);
        expect(res.body.errors.every((e: { pointer: string }) => e.pointer.startsWith('/attendees'))).to.equal(true);
      }
      expect(await head()).to.equal(before);
      expect((await meeting({ attendees: fifty })).status).to.equal(201);
    });
  });

  describe('PATCH /sales/activities/:id', () => {
    it('replaces the list (asOf reads the old one), clears it with null; a closed meeting is a 409', async () => {
      const { id } = (await meeting({ attendees: [ada] })).body;
      expect((await send('PATCH', `/sales/activities/${id}`, { attendees: [lead, contact] }, admin(), { 'If-Match': '"0"' })).status).to.equal(200);
      expect((await get(`/sales/activities/${id}`)).body).to.deep.include({ attendees: [lead, contact], attendeeIds: [lead.id, contact.id] });
      expect((await get(`/sales/activities/${id}?asOf=0`)).body.attendees).to.deep.equal([ada]);
      await send('PATCH', `/sales/activities/${id}`, { attendees: null });
      expect((await get(`/sales/activities/${id}`)).body).to.not.have.any.keys('attendees', 'attendeeIds');
      await send('POST', `/sales/activities/${id}/complete`, {});
      const closed = await send('PATCH', `/sales/activities/${id}`, { attendees: [ada] });
      expect([closed.status, closed.body.code]).to.deep.equal([409, 'activity_closed']);
    });

    it('refuses attendees on a task and a missing contact (422), appending nothing; attendeeIds is read-only (400)', async () => {
      const task = (await send('POST', '/sales/activities', { kind: 'task', subject: 'x', linkedTo })).body.id;
      const { id } = (await meeting({ attendees: [ada] })).body;
      const before = await head();
      const onTask = await send('PATCH', `/sales/activities/${task}`, { attendees: [ada] });
      const missing = await send('PATCH', `/sales/activities/${id}`, { attendees: [{ type: 'contact', id: 'no-such-contact' }] });
      const ids = await send('PATCH', `/sales/activities/${id}`, { attendeeIds: ['x'] });
      expect(codes([onTask, missing, ids])).to.deep.equal([[422, 'attendees_not_applicable'], [422, 'linked_record_not_found'], [400, 'validation_failed']]);
      expect(await head()).to.equal(before);
    });

    it('keeps a contact merged since it was listed, but refuses one the patch adds (422 linked_record_merged)', async () => {
      const [survivor, loser, other] = [await contactNamed('Gil'), await contactNamed('Gail'), await contactNamed('Gwen')];
      const { id } = (await meeting({ attendees: [{ type: 'contact', id: loser }] })).body;
      // A merge that left the loser listed (made before merges moved attendees, or racing the meeting's create).
      const commandId = randomUUID();
      const context = { tenantId: 'acme', actorId: 'user-admin', commandId, correlationId: commandId, now: new Date() };
      await mergeContacts(server(), { request: { id: survivor, context }, loserId: loser });
      expect((await send('POST', `/sales/contacts/${survivor}/merge`, { loserId: other })).status).to.equal(200);
      const kept = await send('PATCH', `/sales/activities/${id}`, { attendees: [{ type: 'contact', id: loser }, ada] });
      expect(kept.status).to.equal(200);
      const added = await send('PATCH', `/sales/activities/${id}`, { attendees: [{ type: 'contact', id: loser }, { type: 'contact', id: other }] });
      expect([added.status, added.body.code, added.body.mergedInto]).to.deep.equal([422, 'linked_record_merged', survivor]);
    });
  });

  describe('GET /sales/activities?filter=attendeeIds[eq]:"…"', () => {
    it('lists the activities a user, contact or lead attends', async () => {
      const them = { type: 'contact', id: (await send('POST', '/sales/contacts', { firstName: 'Ed', lastName: 'Low', email: 'ed@attend.example' })).body.id };
      const first = (await meeting({ attendees: [them] })).body.id;
      const ed = await userIn('ed@attend.example');
      const second = (await meeting({ kind: 'call', attendees: [{ type: 'user', id: ed }, them] })).body.id;
      await meeting({ attendees: [ada] });
      const idsOf = async (filter: string) =>
        (await get(`/sales/activities?sort=createdAt&filter=${encodeURIComponent(filter)}`)).body.data.map((a: { id: string }) => a.id);
      expect(await idsOf(`attendeeIds[eq]:"${them.id}"`)).to.deep.equal([first, second]);
      expect(await idsOf(`attendeeIds[in]:["${ed}","nobody"]`)).to.deep.equal([second]);
    });
  });

  describe('GET /sales/activities/export?format=csv', () => {
    it('exports the attendees as JSON and their ids `;`-separated', async () => {
      const { id } = (await meeting({ attendees: [ada, contact] })).body;
      await session.reachedHead();
      const filter = encodeURIComponent(`id[eq]:"${id}"`);
      const res = await fetch(`${server().url}/sales/activities/export?format=csv&filter=${filter}`, { headers: { Authorization: `Bearer ${admin()}` } });
      const [header, row] = await rowsOf(await res.text());
      const cell = (name: string) => row![header!.indexOf(name)];
      expect(JSON.parse(cell('attendees')!)).to.deep.equal([ada, contact]);
      expect(cell('attendeeIds')).to.equal(`${ada.id};${contact.id}`);
    });
  });
});
