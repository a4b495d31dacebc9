import { expect } from 'chai';
import { call, tokenFor } from '../../support/http.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const person = (firstName: string, city: string) => ({ firstName, lastName: 'Tester', email: `${firstName.toLowerCase()}@example.org`, city });

describe('GET /api/audit/events', function () {
  this.timeout(30_000);
  let server: TestServer;
  let auditor: string;
  let ada: { id: string; subjectId: string };
  let bob: { id: string };

  before(async () => {
    server = await startTestServer();
    const admin = await tokenFor(server, { tenantId: 'acme', actorId: 'admin-1', roles: ['tenant_admin'] });
    const rep = await tokenFor(server, { tenantId: 'acme', actorId: 'rep-7', roles: ['sales_rep'] });
    const globex = await tokenFor(server, { tenantId: 'globex', actorId: 'admin-9', roles: ['tenant_admin'] });
    auditor = await tokenFor(server, { tenantId: 'acme', actorId: 'auditor-1', roles: ['auditor'] });
    const adaId = (await call(server, 'POST', '/sales/contacts', { token: admin, body: person('Ada', 'Arlington') })).body.id;
    bob = (await call(server, 'POST', '/sales/contacts', { token: rep, body: person('Bob', 'Boston') })).body;
    await call(server, 'POST', '/sales/contacts', { token: globex, body: person('Gus', 'Geneva') });
    await call(server, 'PATCH', `/sales/contacts/${adaId}`, { token: admin, body: { jobTitle: 'Countess' } });
    ada = { id: adaId, subjectId: (await call(server, 'GET', `/sales/contacts/${adaId}`, { token: admin })).body.subjectId };
    await call(server, 'POST', `/api/compliance/subjects/${ada.subjectId}/erase`, { token: admin, body: { reason: 'art. 17' } });
  });
  after(async () => server.dispose());

  const events = (query = '', token = auditor) => call(server, 'GET', `/api/audit/events${query}`, { token });

  it('answers the tenant\'s events, oldest first, decrypted, erased fields null and listed', async () => {
    const { status, body } = await events();
    expect(status).to.equal(200);
    expect(body.page.nextCursor).to.equal(null);
    expect(body.data.map((e: any) => [e.type, e.recordId])).to.deep.equal([
      ['ContactCreated', ada.id], ['ContactCreated', bob.id], ['ContactUpdated', ada.id], ['PersonalDataErased', ada.subjectId],
      ['ErasureCertified', ada.subjectId],
    ]);
    const [adaCreated, bobCreated] = body.data;
    expect(bobCreated).to.include({ stream: `acme/sales.contact/${bob.id}`, recordType: 'sales.contact', revision: 0, actorId: 'rep-7' });
    expect(bobCreated).to.have.keys('position', 'stream', 'recordId', 'recordType', 'type', 'revision', 'occurredAt', 'actorId', 'correlationId', 'data', 'erased', 'withheld');
    expect(bobCreated.data.fields).to.include({ firstName: 'Bob', city: 'Boston' });
    expect(adaCreated.data.fields).to.include({ firstName: null, email: null, city: null });
    expect(adaCreated.erased).to.include.members(['fields.firstName', 'fields.email', 'fields.city']);
    expect(bobCreated.withheld).to.deep.equal([]);
  });

  it('filters by actor, record type, event type and time range', async () => {
    const types = async (query: string) => (await events(query)).body.data.map((e: any) => e.type);
    expect(await types('?actor=rep-7')).to.deep.equal(['ContactCreated']);
    expect(await types('?type=ContactUpdated')).to.deep.equal(['ContactUpdated']);
    expect(await types('?recordType=compliance.subject')).to.deep.equal(['PersonalDataErased', 'ErasureCertified']);
    const all = (await events()).body.data;
    expect(await types(`?from=${encodeURIComponent(all[2].occurredAt)}`)).to.deep.equal(['ContactUpdated', 'PersonalDataErased', 'ErasureCertified']);
    expect(await types(`?to=${encodeURIComponent(all[1].occurredAt)}&actor=admin-1`)).to.deep.equal(['ContactCreated']);
    expect(await types('?from=2999-01-01')).to.deep.equal([]);
  });

  it('pages with an opaque position cursor until nextCursor is null', async () => {
    const all = (await events()).body.data;
    const seen = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: any = (await events(`?limit=1${cursor ? `&cursor=${cursor}` : ''}`)).body;
      seen.push(...page.data);
      cursor = page.page.nextCursor;
    }
    expect(seen).to.deep.equal(all);
  });

  it('refuses bad limits, cursors, times and parameters with 400 problem+json', async () => {
    for (const [query, code] of [
      ['?limit=0', 'invalid_limit'], ['?limit=201', 'invalid_limit'], ['?limit=ten', 'invalid_limit'],
      ['?cursor=not-a-cursor', 'invalid_cursor'], ['?from=yesterday', 'invalid_query'], ['?tenant=globex', 'invalid_query'],
    ]) {
      const res = await events(query);
      expect([res.status, res.body.code, res.headers.get('content-type')], query).to.deep.equal([400, code, 'application/problem+json']);
    }
    const cursor = (await events('?limit=1')).body.page.nextCursor;
    expect((await events(`?limit=1&actor=rep-7&cursor=${cursor}`)).body.code).to.equal('invalid_cursor');
  });

  it('never shows another tenant\'s events, and refuses roles without audit permission (403)', async () => {
    const other = await tokenFor(server, { tenantId: 'globex', actorId: 'auditor-2', roles: ['auditor'] });
    const theirs = (await events('', other)).body.data;
    expect(theirs.map((e: any) => e.data.fields?.firstName)).to.deep.equal(['Gus']);
    expect((await events()).body.data.every((e: any) => e.stream.startsWith('acme/'))).to.equal(true);
    const rep = await tokenFor(server, { tenantId: 'acme', actorId: 'rep-7', roles: ['sales_rep'] });
    expect((await events('', rep)).status).to.equal(403);
  });

  describe('GET /api/audit/events/export', () => {
    const exported = (query: string, token = auditor) =>
      fetch(`${server.url}/api/audit/events/export${query}`, { headers: { Authorization: `Bearer ${token}` } });

    it('streams the same entries as JSON lines', async () => {
      const res = await exported('?format=jsonl&actor=admin-1');
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.contain('application/x-ndjson');
      const lines = (await res.text()).trim().split('\n').map((line) => JSON.parse(line));
      expect(lines).to.deep.equal((await events('?actor=admin-1')).body.data);
    });

    it('refuses other formats and bad filters (400) before streaming', async () => {
      expect((await exported('?format=csv')).status).to.equal(400);
      expect((await exported('?format=jsonl&to=soon')).status).to.equal(400);
    });
  });

  it('withholds personal values from a reader of events without audit.personal:read, in pages and exports', async () => {
    const admin = await tokenFor(server, { tenantId: 'acme', actorId: 'admin-1', roles: ['tenant_admin'] });
    const role = { name: 'external_auditor', grants: [{ permission: 'audit.events:read', scope: 'all' }] };
    expect((await call(server, 'POST', '/api/admin/roles', { token: admin, body: role })).status).to.equal(201);
    const external = await tokenFor(server, { tenantId: 'acme', actorId: 'ext-1', roles: ['external_auditor'] });
    const bobCreated = (await events('?actor=rep-7', external)).body.data[0];
    expect(bobCreated.data.fields).to.include({ firstName: null, lastName: null, email: null, city: null });
    expect(bobCreated.withheld).to.include.members(['fields.firstName', 'fields.lastName', 'fields.email', 'fields.city']);
    const res = await fetch(`${server.url}/api/audit/events/export?format=jsonl&actor=rep-7`, { headers: { Authorization: `Bearer ${external}` } });
    expect(await res.text()).to.not.contain('Bob').and.not.contain('Boston');
    expect((await events('?actor=rep-7')).body.data[0].data.fields.firstName).to.equal('Bob');
  });
});
