/**
 * The public contract of design §8, walked as a client outside the repository would: the super
 * admin from the environment signs in through the browser flow, creates a tenant, whose admin
 * signs in and uses the API. Every step asserts the shapes clients rely on.
 */
import { expect } from 'chai';
import { startTestServer, type TestServer } from './support/server.js';
import { call } from './support/http.js';
import { decodeJwt, logIn } from './support/oauth.js';

const ROOT = { email: 'root@example.org', password: 'correct horse battery staple' };
const ADMIN = { email: 'admin@acme.example', password: 'another long passphrase', name: 'Acme Admin' };
const ADA = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org', phone: '+44 20 7946 0000' };

describe('the public contract (design §8)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let root: string;
  let admin: string;
  let contact: { id: string; revision: number; position: number };
  before(async () => {
    server = await startTestServer({ CRM_ADMIN_EMAIL: ROOT.email, CRM_ADMIN_PASSWORD: ROOT.password });
  });
  after(async () => server.dispose());

  it('GET /.well-known/oauth-authorization-server lists the endpoints; the super admin signs in with PKCE', async () => {
    const metadata = (await call(server, 'GET', '/.well-known/oauth-authorization-server')).body;
    expect(metadata).to.include.keys(['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri']);
    expect(metadata.code_challenge_methods_supported).to.deep.equal(['S256']);
    const tokens = await logIn(server, ROOT.email, ROOT.password);
    expect(tokens.status).to.equal(200);
    root = tokens.body.access_token!;
    expect(decodeJwt(root).payload.roles).to.include('platform_admin');
  });

  it('POST /api/superadmin/organizations creates a tenant with its first admin, listed by GET', async () => {
    const created = await call(server, 'POST', '/api/superadmin/organizations', {
      token: root, body: { name: 'Acme Ltd', slug: 'acme', admin: ADMIN },
    });
    expect(created.status).to.equal(201);
    const listed = await call(server, 'GET', '/api/superadmin/organizations', { token: root });
    expect(listed.body.data.map((o: { slug: string }) => o.slug)).to.include('acme');
    const tokens = await logIn(server, ADMIN.email, ADMIN.password);
    admin = tokens.body.access_token!;
    expect(decodeJwt(admin).payload).to.include({ tid: 'acme' });
  });

  it('POST /sales/contacts → 201 { id, revision, position }; GET /:id carries id, revision, createdAt, updatedAt, subjectId', async () => {
    const res = await call(server, 'POST', '/sales/contacts', { token: admin, body: ADA });
    expect(res.status).to.equal(201);
    expect(res.body).to.have.keys(['id', 'revision', 'position']);
    contact = res.body;
    const read = (await call(server, 'GET', `/sales/contacts/${contact.id}`, { token: admin })).body;
    expect(read).to.include({ ...ADA, id: contact.id, revision: 0 });
    expect(read).to.include.keys(['createdAt', 'updatedAt', 'subjectId']);
  });

  it('PATCH /:id merges with If-Match (412 on a stale one); ?asOf= and /history read the past', async () => {
    const patched = await call(server, 'PATCH', `/sales/contacts/${contact.id}`, { token: admin, body: { lastName: 'King' }, headers: { 'If-Match': '"0"' } });
    expect(patched.body).to.include({ id: contact.id, revision: 1 });
    contact = patched.body;
    const stale = await call(server, 'PATCH', `/sales/contacts/${contact.id}`, { token: admin, body: { lastName: 'X' }, headers: { 'If-Match': '"0"' } });
    expect(stale.status).to.equal(412);
    expect((await call(server, 'GET', `/sales/contacts/${contact.id}`, { token: admin })).body).to.include({ lastName: 'King', email: ADA.email });
    expect((await call(server, 'GET', `/sales/contacts/${contact.id}?asOf=0`, { token: admin })).body).to.include({ lastName: 'Lovelace' });
    const history = (await call(server, 'GET', `/sales/contacts/${contact.id}/history`, { token: admin })).body.data;
    expect(history.map((e: { type: string; revision: number }) => [e.type, e.revision])).to.deep.equal([['ContactCreated', 0], ['ContactUpdated', 1]]);
    expect(history[1]).to.include.keys(['type', 'revision', 'position', 'occurredAt', 'actorId', 'data']);
  });

  it('lists with filter, sort, limit and cursor, and exports CSV and JSONL', async () => {
    const headers = { 'Consistency-Position': String(contact.position) };
    const list = await call(server, 'GET', '/sales/contacts?filter=lastName[eq]:"King"&sort=-createdAt&limit=10', { token: admin, headers });
    expect(list.body).to.deep.include({ page: { nextCursor: null } });
    expect(list.body.data.map((c: { id: string }) => c.id)).to.deep.equal([contact.id]);
    for (const format of ['csv', 'jsonl']) {
      const res = await fetch(`${server.url}/sales/contacts/export?format=${format}`, { headers: { Authorization: `Bearer ${admin}`, ...headers } });
      expect(res.status).to.equal(200);
      expect(await res.text()).to.contain(contact.id);
    }
  });

  it('GET /api/compliance/subjects/:subjectId/export, then POST …/erase: personal fields read null', async () => {
    const { subjectId } = (await call(server, 'GET', `/sales/contacts/${contact.id}`, { token: admin })).body;
    const exported = await call(server, 'GET', `/api/compliance/subjects/${subjectId}/export`, { token: admin });
    expect(JSON.stringify(exported.body)).to.contain(ADA.email);
    const erased = await call(server, 'POST', `/api/compliance/subjects/${subjectId}/erase`, { token: admin, body: { reason: 'art. 17 request' } });
    expect(erased.status).to.equal(200);
    const read = (await call(server, 'GET', `/sales/contacts/${contact.id}`, { token: admin })).body;
    expect(read).to.include({ firstName: null, lastName: null, email: null, phone: null });
  });

  it('POST /sales/leads, then POST /sales/leads/:id/convert → { contactId, accountId, opportunityId, position }', async () => {
    const lead = await call(server, 'POST', '/sales/leads', {
      token: admin, body: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.org', company: 'Navy', source: 'referral' },
    });
    expect(lead.status).to.equal(201);
    expect(lead.body).to.have.keys(['id', 'revision', 'position']);
    const converted = await call(server, 'POST', `/sales/leads/${lead.body.id}/convert`, {
      token: admin, body: { opportunity: { name: 'Compilers', amount: { amount: 500000, currency: 'EUR' } } },
    });
    expect(converted.body).to.have.keys(['contactId', 'accountId', 'opportunityId', 'position']);
    const person = (await call(server, 'GET', `/sales/contacts/${converted.body.contactId}`, { token: admin })).body;
    const leadRead = (await call(server, 'GET', `/sales/leads/${lead.body.id}`, { token: admin })).body;
    expect(person).to.include({ firstName: 'Grace', email: 'grace@example.org', subjectId: leadRead.subjectId });
    const opportunity = (await call(server, 'GET', `/sales/opportunities/${converted.body.opportunityId}`, { token: admin })).body;
    expect(opportunity.amount).to.deep.equal({ amount: 500000, currency: 'EUR' });
  });

  it('GET /api/superadmin/projections (checkpoint, lag) and POST …/:name/rebuild', async () => {
    const status = (await call(server, 'GET', '/api/superadmin/projections', { token: root })).body.data;
    expect(status.find((p: { name: string }) => p.name === 'sales.contact')).to.include.keys(['checkpoint', 'lag']);
    expect((await call(server, 'POST', '/api/superadmin/projections/sales.contact/rebuild', { token: root })).status).to.equal(202);
    expect((await call(server, 'GET', '/api/superadmin/projections', { token: admin })).status).to.equal(403);
  });
});
