import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { call, tokenFor } from '../../support/http.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const ada = { firstName: 'Adalinde', lastName: 'Lovelock', email: 'adalinde@example.org', city: 'Arlington' };

describe('GET /api/compliance/subjects/:subjectId/export', function () {
  this.timeout(30_000);
  let server: TestServer;
  let admin: string;
  let dpo: string;
  let contactId: string;
  let subjectId: string;

  before(async () => {
    server = await startTestServer();
    admin = await tokenFor(server, { tenantId: 'acme', actorId: 'admin-1', roles: ['tenant_admin'] });
    dpo = await tokenFor(server, { tenantId: 'acme', actorId: 'auditor-1', roles: ['auditor'] });
    contactId = (await call(server, 'POST', '/sales/contacts', { token: admin, body: ada })).body.id;
    await call(server, 'PATCH', `/sales/contacts/${contactId}`, { token: admin, body: { jobTitle: 'Analyst' } });
    subjectId = (await call(server, 'GET', `/sales/contacts/${contactId}`, { token: admin })).body.subjectId;
    await call(server, 'POST', '/sales/contacts', { token: admin, body: { ...ada, firstName: 'Other', email: 'other@example.org' } });
  });
  after(async () => server.dispose());

  const exportOf = (subject: string, token = dpo) => call(server, 'GET', `/api/compliance/subjects/${subject}/export`, { token });

  it('answers every record about the person, decrypted, with its events', async () => {
    const { status, body } = await exportOf(subjectId);
    expect(status).to.equal(200);
    expect(body).to.include({ subjectId, erased: false });
    expect(body.erasures).to.deep.equal([]);
    expect(body.records).to.have.length(1);
    const [record] = body.records;
    expect(record).to.include({ recordType: 'sales.contact', id: contactId });
    expect(record.state).to.include({ ...ada, jobTitle: 'Analyst', subjectId, revision: 1 });
    expect(record.events.map((e: any) => e.type)).to.deep.equal(['ContactCreated', 'ContactUpdated']);
    expect(record.events[0].data.fields).to.include({ firstName: 'Adalinde', email: 'adalinde@example.org' });
  });

  it('answers 404 for an unknown subject and for another tenant\'s subject, 403 without compliance permission', async () => {
    expect((await exportOf(randomUUID())).status).to.equal(404);
    const globex = await tokenFor(server, { tenantId: 'globex', actorId: 'auditor-2', roles: ['auditor'] });
    expect((await exportOf(subjectId, globex)).status).to.equal(404);
    const rep = await tokenFor(server, { tenantId: 'acme', actorId: 'rep-1', roles: ['sales_rep'] });
    expect((await exportOf(subjectId, rep)).status).to.equal(403);
  });

  it('after erasure answers with personal fields null, listed as erased, and the erasure', async () => {
    const erased = await call(server, 'POST', `/api/compliance/subjects/${subjectId}/erase`, { token: admin, body: { reason: 'art. 17 #12' } });
    expect(erased.status).to.equal(200);
    const { status, body } = await exportOf(subjectId);
    expect(status).to.equal(200);
    expect(body.erased).to.equal(true);
    expect(body.erasures).to.have.length(1);
    expect(body.erasures[0]).to.include({ reason: 'art. 17 #12', erasedBy: 'admin-1' });
    const [record] = body.records;
    expect(record.state).to.include({ firstName: null, lastName: null, email: null, city: null, jobTitle: null, revision: 1 });
    expect(record.state.erasedFields).to.have.members(['firstName', 'lastName', 'email', 'city', 'jobTitle']);
    expect(record.events[0].erased).to.include.members(['fields.firstName', 'fields.email', 'fields.city']);
    expect(record.events[1].erased).to.deep.equal(['changes.jobTitle']);
    for (const value of ['Adalinde', 'Arlington', 'Analyst']) expect(JSON.stringify(body)).not.to.contain(value);
  });
});

describe('GET /api/compliance/subjects/:subjectId/export (meetings and calls attended)', function () {
  this.timeout(30_000);
  let server: TestServer;
  let admin: string;
  let dpo: string;
  const ids: Record<string, string> = {};
  const subjects: Record<string, string> = {};
  const post = async (path: string, body: object) => (await call(server, 'POST', path, { token: admin, body })).body.id as string;
  const meeting = (fields: object) => post('/sales/activities', { kind: 'meeting', startsAt: '2027-03-01T09:00:00.000Z', ...fields });
  const exportOf = async (subject: string) => {
    const res = await call(server, 'GET', `/api/compliance/subjects/${subject}/export`, { token: dpo });
    expect(res.status).to.equal(200);
    return res.body;
  };
  const erase = async (subject: string) =>
    expect((await call(server, 'POST', `/api/compliance/subjects/${subject}/erase`, { token: admin, body: { reason: 'art. 17' } })).status).to.equal(200);

  before(async () => {
    server = await startTestServer();
    admin = await tokenFor(server, { tenantId: 'acme', actorId: 'admin-1', roles: ['tenant_admin'] });
    dpo = await tokenFor(server, { tenantId: 'acme', actorId: 'auditor-1', roles: ['auditor'] });
    ids.alma = await post('/sales/contacts', { firstName: 'Almadine', lastName: 'Quorrel', email: 'almadine@example.org' });
    ids.bert = await post('/sales/contacts', { firstName: 'Bertrand', lastName: 'Voss', email: 'bertrand@example.org' });
    ids.uma = await post('/api/admin/users', { email: 'uma@acme.example', password: 'long enough password', name: 'Uma Attend', roles: ['sales_rep'] });
    const alma = { type: 'contact', id: ids.alma };
    const uma = { type: 'user', id: ids.uma };
    ids.review = await meeting({
      subject: 'Quarterly review', notes: 'Bertrand asks for a discount', linkedTo: { type: 'contact', id: ids.bert },
      endsAt: '2027-03-01T10:00:00.000Z', attendees: [alma, uma],
    });
    const deal = await post('/sales/opportunities', { name: 'Attended deal' });
    ids.call = await meeting({ kind: 'call', subject: 'Intro call', linkedTo: { type: 'opportunity', id: deal }, attendees: [alma] });
    await call(server, 'PATCH', `/sales/activities/${ids.call}`, { token: admin, body: { attendees: [uma] } });
    ids.own = await meeting({ subject: 'Her own meeting', linkedTo: alma, attendees: [alma] });
    await meeting({ subject: 'Not attended', linkedTo: { type: 'opportunity', id: deal }, attendees: [uma] });
    subjects.alma = (await call(server, 'GET', `/sales/contacts/${ids.alma}`, { token: admin })).body.subjectId;
    subjects.bert = (await call(server, 'GET', `/sales/contacts/${ids.bert}`, { token: admin })).body.subjectId;
    subjects.uma = (await call(server, 'GET', `/api/admin/users/${ids.uma}/history`, { token: admin })).body.data[0].data.subjectId;
  });
  after(async () => server.dispose());

  it('lists the meetings and calls a contact attended: their kind, subject, times and status, not their notes', async () => {
    const body = await exportOf(subjects.alma!);
    expect(body.attended).to.deep.equal([
      {
        recordType: 'sales.activity', id: ids.review, kind: 'meeting', subject: 'Quarterly review', startsAt: '2027-03-01T09:00:00.000Z',
        endsAt: '2027-03-01T10:00:00.000Z', activityStatus: 'open', status: 'active', attendee: { type: 'contact', id: ids.alma }, attending: true, erasedFields: [],
      },
      {
        recordType: 'sales.activity', id: ids.call, kind: 'call', subject: 'Intro call', startsAt: '2027-03-01T09:00:00.000Z',
        endsAt: null, activityStatus: 'open', status: 'active', attendee: { type: 'contact', id: ids.alma }, attending: false, erasedFields: [],
      },
    ]);
    expect(body.records.map((r: { id: string }) => r.id)).to.have.members([ids.alma, ids.own]);
    expect(JSON.stringify(body)).not.to.contain('discount');
  });

  it('lists those a user attended, as that user\'s subject', async () => {
    const body = await exportOf(subjects.uma!);
    expect(body.attended.map((a: { id: string; attendee: object }) => [a.id, a.attendee])).to.deep.include([ids.review, { type: 'user', id: ids.uma }]);
    expect(body.attended.map((a: { id: string }) => a.id)).to.include(ids.call);
  });

  it('after the attendee\'s erasure keeps the meetings with nothing of them; after the linked person\'s, their subject reads null', async () => {
    await erase(subjects.alma!);
    const erased = await exportOf(subjects.alma!);
    expect(erased.erased).to.equal(true);
    expect(erased.attended.map((a: { id: string }) => a.id)).to.deep.equal([ids.review, ids.call]);
    expect(JSON.stringify(erased)).not.to.match(/Almadine|almadine|Quorrel/);
    await erase(subjects.bert!);
    const [review] = (await exportOf(subjects.alma!)).attended;
    expect(review).to.include({ id: ids.review, subject: null, startsAt: '2027-03-01T09:00:00.000Z' });
    expect(review.erasedFields).to.deep.equal(['subject']);
  });
});

describe('GET /api/compliance/classification', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.dispose());

  it('lists every record type\'s fields with their class; the encrypted ones are the personal and sensitive ones', async () => {
    const token = await tokenFor(server, { tenantId: 'acme', actorId: 'auditor-1', roles: ['auditor'] });
    const { status, body } = await call(server, 'GET', '/api/compliance/classification', { token });
    expect(status).to.equal(200);
    expect(body.classes).to.deep.equal(['public', 'internal', 'confidential', 'personal', 'sensitive']);
    const contact = body.data.find((r: any) => r.recordType === 'sales.contact');
    expect(contact.fields).to.deep.include({ field: 'email', class: 'personal', encrypted: true });
    expect(contact.fields).to.deep.include({ field: 'city', class: 'personal', encrypted: true });
    expect(contact.fields).to.deep.include({ field: 'jobTitle', class: 'personal', encrypted: true });
    expect(contact.fields).to.deep.include({ field: 'country', class: 'internal', encrypted: false });
    const lead = body.data.find((r: any) => r.recordType === 'sales.lead');
    expect(lead.fields).to.deep.include({ field: 'jobTitle', class: 'personal', encrypted: true });
    expect(lead.fields).to.deep.include({ field: 'company', class: 'internal', encrypted: false });
    for (const f of [...contact.fields, ...lead.fields]) expect(f.encrypted, f.field).to.equal(f.class === 'personal' || f.class === 'sensitive');
  });

  it('lists identity\'s records too: users (email and name personal, encrypted), integration clients and organizations', async () => {
    const token = await tokenFor(server, { tenantId: 'acme', actorId: 'auditor-1', roles: ['auditor'] });
    const { body } = await call(server, 'GET', '/api/compliance/classification', { token });
    const of = (recordType: string) => body.data.find((r: any) => r.recordType === recordType)?.fields;
    expect(of('admin.user')).to.deep.include.members([
      { field: 'email', class: 'personal', encrypted: true },
      { field: 'name', class: 'personal', encrypted: true },
      { field: 'roles', class: 'internal', encrypted: false },
      { field: 'passwordHash', class: 'confidential', encrypted: false },
    ]);
    expect(of('admin.client')).to.deep.include({ field: 'secretHash', class: 'confidential', encrypted: false });
    expect(of('admin.organization')).to.deep.include({ field: 'name', class: 'internal', encrypted: false });
  });

  it('refuses roles without compliance permission (403)', async () => {
    const token = await tokenFor(server, { tenantId: 'acme', actorId: 'rep-1', roles: ['sales_rep'] });
    expect((await call(server, 'GET', '/api/compliance/classification', { token })).status).to.equal(403);
  });
});
