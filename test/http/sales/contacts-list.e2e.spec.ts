import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { call, tokenFor } from '../../support/http.js';
import { contactKind } from '../../../src/events/sales/contact.js';
import { cursorKeyOf } from '../../../src/queries/cursor.js';
import { listRecords } from '../../../src/queries/record-list.js';

const people = [
  { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org', city: 'London', country: 'GB', jobTitle: 'Analyst' },
  { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.org', city: 'Arlington', country: 'US', jobTitle: 'Admiral' },
  { firstName: 'Alan', lastName: 'Turing', email: 'alan@example.org', city: 'London', country: 'GB', jobTitle: 'Mathematician' },
  { firstName: 'Edsger', lastName: 'Dijkstra', email: 'edsger@example.org', city: 'Nuenen', country: 'NL', jobTitle: 'Professor' },
  { firstName: 'Barbara', lastName: 'Liskov', email: 'barbara@example.org', city: 'Boston', country: 'US', jobTitle: 'Professor' },
];

describe('GET /sales/contacts', () => {
  let server: TestServer;
  let admin: string;
  let position = 0;
  const ids: string[] = [];
  const list = (query = '', token = admin, headers: Record<string, string> = {}) =>
    call(server, 'GET', `/sales/contacts${query}`, { token, headers: { 'Consistency-Position': String(position), ...headers } });

  before(async () => {
    server = await startTestServer();
    admin = await tokenFor(server, { tenantId: 'acme', actorId: 'user-admin', roles: ['tenant_admin'] });
    const globex = await tokenFor(server, { tenantId: 'globex', actorId: 'user-g', roles: ['tenant_admin'] });
    for (const person of people) {
      const res = await call(server, 'POST', '/sales/contacts', { token: admin, body: person });
      ids.push(res.body.id);
      position = res.body.position;
    }
    await call(server, 'POST', '/sales/contacts', { token: globex, body: { ...people[0], lastName: 'Lovelace-Globex' } });
  });
  after(async () => server.dispose());

  it('answers the tenant\'s contacts as the same views GET /:id answers, newest first, with page.nextCursor', async () => {
    const res = await list();
    expect(res.status).to.equal(200);
    expect(res.body.data.map((c: { id: string }) => c.id)).to.deep.equal([...ids].reverse());
    expect(res.body.page).to.deep.equal({ nextCursor: null });
    const one = await call(server, 'GET', `/sales/contacts/${ids[1]}`, { token: admin });
    expect(res.body.data[3]).to.deep.equal(one.body);
  });

  it('filters, sorts and pages with an opaque cursor, each contact once', async () => {
    const filter = encodeURIComponent('or(country[eq]:"GB",country[eq]:"US")');
    const first = await list(`?filter=${filter}&sort=lastName&limit=2`);
    expect(first.body.data.map((c: { lastName: string }) => c.lastName)).to.deep.equal(['Hopper', 'Liskov']);
    const second = await list(`?filter=${filter}&sort=lastName&limit=2&cursor=${first.body.page.nextCursor}`);
    expect(second.body.data.map((c: { lastName: string }) => c.lastName)).to.deep.equal(['Lovelace', 'Turing']);
    expect(second.body.page.nextCursor).to.equal(null);
  });

  it('searches with q (full text, last term as a prefix) within the tenant', async () => {
    const res = await list('?q=profess');
    expect(res.body.data.map((c: { lastName: string }) => c.lastName)).to.have.members(['Dijkstra', 'Liskov']);
    expect((await list('?q=Lovelace')).body.data).to.have.length(1);
  });

  it('never shows another tenant\'s contacts', async () => {
    const globex = await tokenFor(server, { tenantId: 'globex', actorId: 'user-g', roles: ['tenant_admin'] });
    const res = await list('', globex);
    expect(res.body.data.map((c: { lastName: string }) => c.lastName)).to.deep.equal(['Lovelace-Globex']);
  });

  it('refuses a malformed filter, an unknown field, a limit over 200 and unknown parameters with a 400 problem', async () => {
    const bad = await list(`?filter=${encodeURIComponent('country[eq]:"GB") OR 1=1 --')}`);
    expect(bad.status).to.equal(400);
    expect(bad.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(bad.body.code).to.equal('invalid_filter');
    expect((await list('?filter=password[eq]:"x"')).body.code).to.equal('invalid_filter');
    expect((await list('?limit=201')).body.code).to.equal('invalid_limit');
    expect((await list('?sort=lastName;DROP')).status).to.equal(400);
    const unknown = await list('?page=2&limit=1&limit=2');
    expect(unknown.body.code).to.equal('invalid_query');
    expect(unknown.body.errors.map((e: { pointer: string }) => e.pointer)).to.have.members(['/query/page', '/query/limit']);
    expect((await list('?cursor=bm9wZQ')).body.code).to.equal('invalid_cursor');
  });

  it('answers 401 without a token and 403 to a role that may not read contacts', async () => {
    expect((await call(server, 'GET', '/sales/contacts')).status).to.equal(401);
    const operator = await tokenFor(server, { tenantId: 'acme', actorId: 'op', roles: ['platform_admin'] });
    expect((await list('', operator)).status).to.equal(403);
  });

  it('lists an erased person with personal fields null and listed as erased, other facts intact', async () => {
    const created = await call(server, 'POST', '/sales/contacts', { token: admin, body: { ...people[3], lastName: 'Erasable', email: 'gone@example.org' } });
    const { subjectId } = (await call(server, 'GET', `/sales/contacts/${created.body.id}`, { token: admin })).body;
    const erased = await call(server, 'POST', `/api/compliance/subjects/${subjectId}/erase`, { token: admin, body: { reason: 'art. 17' } });
    const res = await list(`?filter=id[eq]:"${created.body.id}"`, admin, { 'Consistency-Position': String(erased.body.position) });
    expect(res.body.data[0]).to.include({ firstName: null, lastName: null, email: null, city: null, jobTitle: null, status: 'active' });
    expect(res.body.data[0].erasedFields).to.have.members(['firstName', 'lastName', 'email', 'city', 'jobTitle']);
    expect((await list('?q=Erasable')).body.data).to.deep.equal([]);
    expect((await list('?filter=email[eq]:"gone@example.org"')).body.data).to.deep.equal([]);
  });

  it('limits a reader whose grant is for their own records to those (row scope from the policy)', () => {
    const source = { db: server.readDb.db, cursorKey: cursorKeyOf(Buffer.alloc(32)) };
    const own = listRecords(source, contactKind, { tenantId: 'acme', ownerOnly: 'nobody' }, {});
    expect(own.data).to.deep.equal([]);
    const mine = listRecords(source, contactKind, { tenantId: 'acme', ownerOnly: 'user-admin' }, { limit: '2' });
    expect(mine.data).to.have.length(2);
    expect(mine.data.every((c) => c.ownerId === 'user-admin')).to.equal(true);
  });

  describe('with Consistency-Position', () => {
    it('sees a contact created just before, at the position its create answered', async () => {
      const created = await call(server, 'POST', '/sales/contacts', { token: admin, body: { ...people[2], lastName: 'Turing-Two', email: 'alan.two@example.org' } });
      const res = await call(server, 'GET', '/sales/contacts?filter=lastName[eq]:"Turing-Two"', {
        token: admin, headers: { 'Consistency-Position': String(created.body.position) },
      });
      expect(res.body.data.map((c: { id: string }) => c.id)).to.deep.equal([created.body.id]);
    });

    it('answers 400 to a malformed position, and 503 consistency_timeout with Retry-After past the head', async () => {
      expect((await list('', admin, { 'Consistency-Position': 'soon' })).body.code).to.equal('invalid_consistency_position');
      const res = await list('', admin, { 'Consistency-Position': String(position + 1_000_000) });
      expect(res.status).to.equal(503);
      expect(res.body.code).to.equal('consistency_timeout');
      expect(res.headers.get('retry-after')).to.equal('1');
    });
  });
});

describe('GET /sales/contacts/export', () => {
  let server: TestServer;
  let admin: string;
  let position = 0;
  const exported = (query: string) =>
    fetch(`${server.url}/sales/contacts/export${query}`, { headers: { Authorization: `Bearer ${admin}`, 'Consistency-Position': String(position) } });

  before(async () => {
    server = await startTestServer();
    admin = await tokenFor(server, { tenantId: 'acme', actorId: 'user-admin', roles: ['tenant_admin'] });
    for (const person of people) position = (await call(server, 'POST', '/sales/contacts', { token: admin, body: person })).body.position;
  });
  after(async () => server.dispose());

  it('streams CSV with a header line and one line per filtered contact, as an attachment', async () => {
    const res = await exported(`?format=csv&sort=lastName&filter=${encodeURIComponent('city[eq]:"London"')}`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).to.contain('sales.contact.csv');
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).to.match(/^id,subjectId,status,ownerId,tags,createdAt,updatedAt,revision,firstName,lastName,email,phone,/);
    expect(lines.slice(1).map((l) => l.split(',')[9])).to.deep.equal(['Lovelace', 'Turing']);
  });

  it('streams JSONL, one record view per line', async () => {
    const res = await exported('?format=jsonl&sort=-lastName');
    expect(res.headers.get('content-type')).to.equal('application/x-ndjson; charset=utf-8');
    const rows = (await res.text()).trim().split('\n').map((line) => JSON.parse(line));
    expect(rows.map((r) => r.lastName)).to.deep.equal(['Turing', 'Lovelace', 'Liskov', 'Hopper', 'Dijkstra']);
    expect(rows[0]).to.include({ firstName: 'Alan', city: 'London', status: 'active', revision: 0 });
  });

  it('refuses a missing or unknown format and a bad filter before sending a byte', async () => {
    const codeOf = async (query: string) => ((await (await exported(query)).json()) as { code: string }).code;
    expect(await codeOf('')).to.equal('invalid_format');
    expect(await codeOf('?format=xlsx')).to.equal('invalid_format');
    expect(await codeOf('?format=csv&filter=nope[eq]:1')).to.equal('invalid_filter');
  });
});
