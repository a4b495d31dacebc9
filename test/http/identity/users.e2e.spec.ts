import { expect } from 'chai';
import { call, tokenFor } from '../../support/http.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { apiStatus, expectRevoked, logIn, signIn, startAuthorization, tokenRequest } from '../../support/oauth.js';
import { createTenant, createUserIn, PASSWORD } from '../../support/tenant.js';

describe('GET /api/admin/users', () => {
  let server: TestServer;
  let admin: string;
  let otherAdmin: string;
  const ids: string[] = [];
  before(async () => {
    server = await startTestServer();
    admin = await createTenant(server, 'acme');
    otherAdmin = await createTenant(server, 'initech');
    for (const name of ['ann', 'bob', 'cid', 'dee']) ids.push(await createUserIn(server, admin, `${name}@acme.example`, ['sales_rep']));
  });
  after(async () => server.dispose());
  const get = (path: string, token = admin) => call(server, 'GET', path, { token });

  it('lists the tenant\'s users by id, pages with limit and cursor, emails and names decrypted', async () => {
    const first = await get('/api/admin/users?limit=3');
    expect(first.status).to.equal(200);
    expect(first.body.data).to.have.length(3);
    expect(first.body.page.nextCursor).to.be.a('string');
    const second = await get(`/api/admin/users?limit=3&cursor=${first.body.page.nextCursor}`);
    expect(second.body.page.nextCursor).to.equal(null);
    const users = [...first.body.data, ...second.body.data];
    expect(users.map((u: { id: string }) => u.id)).to.deep.equal(users.map((u: { id: string }) => u.id).sort());
    expect(users.map((u: { email: string }) => u.email).sort()).to.deep.equal(
      ['admin@acme.example', 'ann@acme.example', 'bob@acme.example', 'cid@acme.example', 'dee@acme.example'],
    );
    const ann = users.find((u: { id: string }) => u.id === ids[0]);
    expect(ann).to.include({ email: 'ann@acme.example', name: 'Test User', status: 'active', erased: false });
    expect(ann.roles).to.deep.equal(['sales_rep']);
    expect(ann.erasedFields).to.deep.equal([]);
    expect(ann.createdAt).to.be.a('string');
  });

  it('refuses a bad limit, a foreign cursor (400) and unknown parameters', async () => {
    expect((await get('/api/admin/users?limit=500')).body.code).to.equal('invalid_limit');
    expect((await get('/api/admin/users?cursor=nonsense')).body.code).to.equal('invalid_cursor');
    const page = await get('/api/admin/users?limit=1');
    expect((await get(`/api/admin/users?cursor=${page.body.page.nextCursor}`, otherAdmin)).body.code).to.equal('invalid_cursor');
    expect((await get('/api/admin/users?sort=email')).status).to.equal(400);
  });

  it('lists only the caller\'s tenant, and refuses a sales rep (403)', async () => {
    const other = await get('/api/admin/users', otherAdmin);
    expect(other.body.data.map((u: { email: string }) => u.email)).to.deep.equal(['admin@initech.example']);
    const rep = await tokenFor(server, { tenantId: 'acme', actorId: ids[0]!, roles: ['sales_rep'] });
    expect((await get('/api/admin/users', rep)).status).to.equal(403);
    expect((await get(`/api/admin/users/${ids[0]}`, rep)).status).to.equal(403);
  });

  describe('GET /api/admin/users/:id', () => {
    it('reads one user with their current roles and status', async () => {
      await call(server, 'PUT', `/api/admin/users/${ids[1]}/roles`, { token: admin, body: { roles: ['marketer'] } });
      await call(server, 'POST', `/api/admin/users/${ids[1]}/deactivate`, { token: admin, body: { reason: 'left the company' } });
      const res = await get(`/api/admin/users/${ids[1]}`);
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ id: ids[1], email: 'bob@acme.example', status: 'deactivated', revision: 2 });
      expect(res.body.roles).to.deep.equal(['marketer']);
      expect(res.body).not.to.have.any.keys('passwordHash', 'emailHash');
    });

    it('answers 404 for another tenant\'s user and an unknown id', async () => {
      expect((await get(`/api/admin/users/${ids[0]}`, otherAdmin)).status).to.equal(404);
      expect((await get('/api/admin/users/no-such-user')).status).to.equal(404);
    });

    it('reads an erased user as erased and deactivated, their email and name null, listed in erasedFields', async () => {
      const erased = await call(server, 'POST', `/api/compliance/subjects/${ids[2]}/erase`, { token: admin, body: { reason: 'art. 17 request' } });
      expect(erased.status, JSON.stringify(erased.body)).to.equal(200);
      const res = await get(`/api/admin/users/${ids[2]}`);
      expect(res.body).to.include({ email: null, name: null, status: 'deactivated', erased: true });
      expect(res.body.erasedFields).to.have.members(['email', 'name']);
      const listed = (await get('/api/admin/users?limit=200')).body.data.find((u: { id: string }) => u.id === ids[2]);
      expect(listed).to.include({ email: null, name: null, status: 'deactivated', erased: true });
    });

    it('closes an erased user\'s account: no sign-in with their email and password, their sessions ended and access tokens refused, the email free for a new user', async () => {
      const before = await logIn(server, 'dee@acme.example', PASSWORD);
      expect([before.status, await apiStatus(server, before.body.access_token)]).to.deep.equal([200, 200]);
      const erased = await call(server, 'POST', `/api/compliance/subjects/${ids[3]}/erase`, { token: admin, body: { reason: 'art. 17 request' } });
      expect(erased.status, JSON.stringify(erased.body)).to.equal(200);
      expect((await signIn(await startAuthorization(server), 'dee@acme.example', PASSWORD)).status).to.equal(401);
      expect((await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: before.body.refresh_token! })).status).to.equal(400);
      await expectRevoked(server, before.body.access_token);
      expect(await apiStatus(server, admin), 'another user\'s grant').to.equal(200);
      const grantless = await tokenFor(server, { tenantId: 'acme', actorId: ids[3]!, roles: ['sales_rep'] });
      const gated = await call(server, 'GET', '/sales/contacts', { token: grantless });
      expect([gated.status, gated.body.code], 'a token of no grant meets the account gate').to.deep.equal([403, 'user_deactivated']);
      await createUserIn(server, admin, 'dee@acme.example', ['sales_rep']);
    });
  });
});
