import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { startTestServer, type TestServer } from '../../support/server.js';
import { call, tokenFor } from '../../support/http.js';
import { createUserIn } from '../../support/tenant.js';

// Each test has its own Ada: emails are unique among a tenant's active contacts.
let ada = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org', phone: '+44 20 7946 0000', city: 'London' };

describe('/sales/contacts', () => {
  let server: TestServer;
  let admin: string;
  let otherTenant: string;
  let auditor: string;
  before(async () => {
    server = await startTestServer();
    admin = await tokenFor(server, { tenantId: 'acme', actorId: 'user-admin', roles: ['tenant_admin'] });
    otherTenant = await tokenFor(server, { tenantId: 'globex', actorId: 'user-g', roles: ['tenant_admin'] });
    auditor = await tokenFor(server, { tenantId: 'acme', actorId: 'user-audit', roles: ['auditor'] });
  });
  after(async () => server.dispose());
  let people = 0;
  beforeEach(() => void (ada = { ...ada, email: `ada.${(people += 1)}@example.org` }));
  const create = (body: unknown = ada, token = admin, headers: Record<string, string> = {}) =>
    call(server, 'POST', '/sales/contacts', { token, body, headers });
  const head = async () => Number(await server.store.headPosition());

  describe('POST /sales/contacts', () => {
    it('answers 201 with id, revision and position, a Location and the ETag of revision 0', async () => {
      const res = await create();
      expect(res.status).to.equal(201);
      expect(res.body).to.have.keys(['id', 'revision', 'position']);
      expect(res.body.revision).to.equal(0);
      expect(res.headers.get('location')).to.equal(`/sales/contacts/${res.body.id}`);
      expect(res.headers.get('etag')).to.equal('"0"');
    });

    it('refuses unknown and malformed fields with a 400 problem pointing at each, and writes nothing', async () => {
      const before = await head();
      const res = await create({ ...ada, email: 'not-an-email', isAdmin: true });
      expect(res.status).to.equal(400);
      expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(res.body.code).to.equal('validation_failed');
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).to.include.members(['/email', '/isAdmin']);
      expect(await head()).to.equal(before);
    });

    it('refuses a body that is not JSON (400) and one over 1 MB (413)', async () => {
      expect((await create('{"firstName": ')).status).to.equal(400);
      expect((await create({ ...ada, jobTitle: 'x'.repeat(1_100_000) })).status).to.equal(413);
    });

    it('answers at most 50 field errors', async () => {
      const res = await create({ ...ada, ...Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`unknown${i}`, i])) });
      expect(res.status).to.equal(400);
      expect(res.body.errors).to.have.length(50);
    });

    it('refuses a body in a media type that is not JSON (415), with an Idempotency-Key too, appending nothing', async () => {
      const before = await head();
      const cases: Record<string, string>[] = [
        { 'Content-Type': 'application/x-www-form-urlencoded' }, { 'Content-Type': 'application/xml', 'Idempotency-Key': 'typed-1' },
      ];
      for (const headers of cases) {
        const res = await fetch(`${server.url}/sales/contacts`, { method: 'POST', headers: { Authorization: `Bearer ${admin}`, ...headers }, body: JSON.stringify(ada) });
        expect(res.status).to.equal(415);
        expect(((await res.json()) as { code: string }).code).to.equal('unsupported_media_type');
      }
      expect(await head()).to.equal(before);
    });

    it("reads JSON sent as a +json type, as fetch's default text/plain, or with no media type", async () => {
      const send = (contentType: string | undefined, n: number) => fetch(`${server.url}/sales/contacts`, {
        method: 'POST', headers: { Authorization: `Bearer ${admin}`, ...(contentType ? { 'Content-Type': contentType } : {}) },
        body: contentType === undefined ? Readable.toWeb(Readable.from([JSON.stringify({ ...ada, email: `typed${n}@example.org` })])) as ReadableStream : JSON.stringify({ ...ada, email: `typed${n}@example.org` }),
        ...(contentType === undefined ? { duplex: 'half' } : {}),
      } as RequestInit);
      for (const [n, type] of (['application/merge-patch+json', undefined] as const).entries()) {
        expect((await send(type, n)).status, String(type)).to.equal(201);
      }
      const plain = await fetch(`${server.url}/sales/contacts`, { method: 'POST', headers: { Authorization: `Bearer ${admin}` }, body: JSON.stringify({ ...ada, email: 'typed-plain@example.org' }) });
      expect(plain.status).to.equal(201);
    });

    it('refuses a body nested deeper than 64 levels (even with an Idempotency-Key), a lone surrogate and a NUL (400)', async () => {
      const before = await head();
      const deep = `{"firstName":"A","lastName":"B","email":"deep@example.org","city":${'['.repeat(5000)}${']'.repeat(5000)}}`;
      const tooDeep = await create(deep, admin, { 'Idempotency-Key': 'deep-1' });
      expect([tooDeep.status, tooDeep.body.code]).to.deep.equal([400, 'body_too_deep']);
      const surrogate = await create(`{"firstName":"A\\ud800B","lastName":"B","email":"s@example.org"}`);
      expect([surrogate.status, surrogate.body.code, surrogate.body.errors]).to.deep.equal([400, 'invalid_text', [{ pointer: '/firstName', message: 'a lone surrogate or a NUL' }]]);
      const nul = await create({ ...ada, city: 'Lon\u0000don' });
      expect([nul.status, nul.body.code]).to.deep.equal([400, 'invalid_text']);
      expect((await create({ ...ada, city: 'Zürich 🏔' })).status).to.equal(201);
      expect(await head()).to.equal(before + 1);
    });

    it('answers 401 with WWW-Authenticate without a token or with a forged one', async () => {
      const none = await create(ada, '');
      expect(none.status).to.equal(401);
      expect(none.headers.get('www-authenticate')).to.match(/^Bearer realm="crm"/);
      const [header, payload] = admin.split('.');
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
      const forged = await create(ada, unsigned);
      expect(forged.status).to.equal(401);
      expect(forged.headers.get('www-authenticate')).to.contain('error="invalid_token"');
      expect((await create(ada, `${header}.${payload}.AAAA`)).status).to.equal(401);
    });

    it('takes the bearer scheme in any case (RFC 9110)', async () => {
      const res = await fetch(`${server.url}/sales/contacts`, { headers: { Authorization: `bearer ${admin}` } });
      expect(res.status).to.equal(200);
    });

    it('answers 403 when the role may not create contacts (auditor)', async () => {
      const res = await create(ada, auditor);
      expect(res.status).to.equal(403);
      expect(res.body.code).to.equal('forbidden');
    });

    describe('with an Idempotency-Key', () => {
      it('answers a retry with the first response and creates one contact', async () => {
        const headers = { 'Idempotency-Key': 'create-ada-1' };
        const first = await create(ada, admin, headers);
        const before = await head();
        const again = await create(ada, admin, headers);
        expect(again.status).to.equal(201);
        expect(again.body).to.deep.equal(first.body);
        expect(again.headers.get('location')).to.equal(first.headers.get('location'));
        expect(again.headers.get('idempotent-replayed')).to.equal('true');
        expect(await head()).to.equal(before);
      });

      it('answers 422 when the same key comes with another body', async () => {
        await create(ada, admin, { 'Idempotency-Key': 'create-ada-2' });
        const res = await create({ ...ada, city: 'Paris' }, admin, { 'Idempotency-Key': 'create-ada-2' });
        expect(res.status).to.equal(422);
        expect(res.body.code).to.equal('idempotency_key_reused');
      });

      it('keeps keys per tenant: another tenant\'s same key is its own request', async () => {
        const a = await create(ada, admin, { 'Idempotency-Key': 'shared-key' });
        const b = await create(ada, otherTenant, { 'Idempotency-Key': 'shared-key' });
        expect(b.status).to.equal(201);
        expect(b.body.id).not.to.equal(a.body.id);
      });
    });
  });

  describe('GET /sales/contacts/:id', () => {
    it('answers the contact with its fields decrypted, subjectId, revision, createdAt and updatedAt', async () => {
      const { body: { id } } = await create();
      const res = await call(server, 'GET', `/sales/contacts/${id}`, { token: admin });
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ ...ada, id, revision: 0, status: 'active', ownerId: 'user-admin' });
      expect(res.body.subjectId).to.match(/^[0-9a-f-]{36}$/);
      expect(res.body.createdAt).to.equal(res.body.updatedAt);
      expect(res.headers.get('etag')).to.equal('"0"');
      expect(res.headers.get('cache-control')).to.equal('no-store');
    });

    it('answers 404 to another tenant, for a malformed id and for an unknown one', async () => {
      const { body: { id } } = await create();
      expect((await call(server, 'GET', `/sales/contacts/${id}`, { token: otherTenant })).status).to.equal(404);
      expect((await call(server, 'GET', '/sales/contacts/..%2F..%2Fx', { token: admin })).status).to.equal(404);
      expect((await call(server, 'GET', '/sales/contacts/00000000-0000-4000-8000-000000000000', { token: admin })).status).to.equal(404);
    });

    it('answers the past state with ?asOf=<revision>, and 400 for a malformed asOf', async () => {
      const { body: { id } } = await create();
      await call(server, 'PATCH', `/sales/contacts/${id}`, { token: admin, body: { city: 'Paris' } });
      expect((await call(server, 'GET', `/sales/contacts/${id}?asOf=0`, { token: admin })).body.city).to.equal('London');
      expect((await call(server, 'GET', `/sales/contacts/${id}`, { token: admin })).body.city).to.equal('Paris');
      expect((await call(server, 'GET', `/sales/contacts/${id}?asOf=yesterday`, { token: admin })).status).to.equal(400);
      for (const query of ['asOf=', 'asOf=0&asOf=0', 'asof=0']) {
        expect((await call(server, 'GET', `/sales/contacts/${id}?${query}`, { token: admin })).status, query).to.equal(400);
      }
    });
  });

  describe('PATCH /sales/contacts/:id', () => {
    it('merges the given fields and answers the new revision; If-Match on an old revision is a 412 that changes nothing', async () => {
      const { body: { id } } = await create();
      const ok = await call(server, 'PATCH', `/sales/contacts/${id}`, { token: admin, body: { jobTitle: 'Analyst' }, headers: { 'If-Match': '"0"' } });
      expect(ok.status).to.equal(200);
      expect(ok.body.revision).to.equal(1);
      expect(ok.headers.get('etag')).to.equal('"1"');
      const stale = await call(server, 'PATCH', `/sales/contacts/${id}`, { token: admin, body: { jobTitle: 'Engineer' }, headers: { 'If-Match': '"0"' } });
      expect(stale.status).to.equal(412);
      expect(stale.body.code).to.equal('precondition_failed');
      const record = (await call(server, 'GET', `/sales/contacts/${id}`, { token: admin })).body;
      expect(record).to.include({ ...ada, jobTitle: 'Analyst', revision: 1 });
    });

    it('evaluates If-Match as RFC 9110 says: a weak or foreign tag is a 412, a list with our one revision is it, bad syntax a 400; a missing record is a 404 whatever the tag', async () => {
      const { body: { id } } = await create();
      const patch = (ifMatch: string) => call(server, 'PATCH', `/sales/contacts/${id}`, { token: admin, body: { jobTitle: 'Analyst' }, headers: { 'If-Match': ifMatch } });
      for (const tag of ['W/"0"', '"01"', '"abc"', '"a,b"']) expect((await patch(tag)).status, tag).to.equal(412);
      for (const tag of ['"0', '"0", "1"', '0x']) expect((await patch(tag)).status, tag).to.equal(400);
      expect((await patch('W/"7", "0", ')).status).to.equal(200);
      const missing = randomUUID();
      for (const [method, path] of [['PATCH', '/sales/contacts/a.b'], ['POST', '/sales/contacts/a.b/archive'], ['PATCH', `/sales/contacts/${missing}`], ['POST', `/sales/contacts/${missing}/archive`]] as const) {
        for (const ifMatch of ['W/"0"', '"0"', '"abc"']) {
          const res = await call(server, method, path, { token: admin, body: method === 'PATCH' ? { jobTitle: 'x' } : {}, headers: { 'If-Match': ifMatch } });
          expect([res.status, res.body.code], `${path} ${ifMatch}`).to.deep.equal([404, 'not_found']);
        }
      }
      expect((await call(server, 'GET', `/sales/contacts/${id}`, { token: admin })).body.revision).to.equal(1);
    });

    it('lets a sales rep change their own contacts but not another\'s (403), and the auditor none', async () => {
      const rep = await tokenFor(server, { tenantId: 'acme', actorId: 'rep-1', roles: ['sales_rep'] });
      const mine = (await create(ada, rep)).body.id;
      const theirs = (await create({ ...ada, email: 'not.ada@example.org' })).body.id;
      expect((await call(server, 'PATCH', `/sales/contacts/${mine}`, { token: rep, body: { city: 'Rome' } })).status).to.equal(200);
      const refused = await call(server, 'PATCH', `/sales/contacts/${theirs}`, { token: rep, body: { city: 'Rome' } });
      expect(refused.status).to.equal(403);
      const staleTag = await call(server, 'PATCH', `/sales/contacts/${theirs}`, { token: rep, body: { city: 'Rome' }, headers: { 'If-Match': '"7"' } });
      expect([staleTag.status, staleTag.body.currentRevision], 'the policy before If-Match: no revision told').to.deep.equal([403, undefined]);
      expect((await call(server, 'GET', `/sales/contacts/${theirs}`, { token: rep })).body.city).to.equal('London');
      expect((await call(server, 'PATCH', `/sales/contacts/${mine}`, { token: auditor, body: { city: 'Oslo' } })).status).to.equal(403);
    });
  });

  describe('archive, restore, owner and tags', () => {
    it('archives (then refuses changes with 409), restores, reassigns and tags', async () => {
      const { body: { id } } = await create();
      const path = `/sales/contacts/${id}`;
      expect((await call(server, 'POST', `${path}/archive`, { token: admin, body: { reason: 'left the company' } })).status).to.equal(200);
      const refused = await call(server, 'PATCH', path, { token: admin, body: { city: 'Rome' } });
      expect([refused.status, refused.body.code]).to.deep.equal([409, 'record_archived']);
      for (const body of [{ bogus: 1 }, []]) {
        const odd = await call(server, 'POST', `${path}/restore`, { token: admin, body });
        expect([odd.status, odd.body.code]).to.deep.equal([400, 'validation_failed']);
      }
      expect((await call(server, 'POST', `${path}/restore`, { token: admin })).status).to.equal(200);
      const colleague = await createUserIn(server, admin, 'colleague@contacts.example', ['sales_rep']);
      expect((await call(server, 'PUT', `${path}/owner`, { token: admin, body: { ownerId: colleague } })).status).to.equal(200);
      expect((await call(server, 'POST', `${path}/tags`, { token: admin, body: { add: ['vip'] } })).status).to.equal(200);
      const record = (await call(server, 'GET', path, { token: admin })).body;
      expect(record).to.include({ status: 'active', ownerId: colleague, revision: 4 });
      expect(record.tags).to.deep.equal(['vip']);
    });
  });

  describe('GET /sales/contacts/:id/history', () => {
    it('lists every event with type, revision, position, time, actor and data, for auditors too', async () => {
      const { body: { id } } = await create();
      await call(server, 'PATCH', `/sales/contacts/${id}`, { token: admin, body: { email: 'ada@lovelace.org' } });
      const res = await call(server, 'GET', `/sales/contacts/${id}/history`, { token: auditor });
      expect(res.status).to.equal(200);
      expect(res.body.data.map((e: { type: string; revision: number; actorId: string }) => [e.type, e.revision, e.actorId])).to.deep.equal([
        ['ContactCreated', 0, 'user-admin'], ['ContactUpdated', 1, 'user-admin'],
      ]);
      expect(res.body.data[1].data.changes).to.deep.equal({ email: 'ada@lovelace.org' });
      expect(res.body.data[0].occurredAt).to.match(/^\d{4}-\d\d-\d\dT/);
    });
  });
});
