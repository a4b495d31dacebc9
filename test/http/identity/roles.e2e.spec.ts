import { expect } from 'chai';
import { call, tokenFor } from '../../support/http.js';
import { decodeJwt, logIn } from '../../support/oauth.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { createTenant, createUserIn, PASSWORD } from '../../support/tenant.js';

const contact = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' };

describe('/api/admin/permissions and /api/admin/roles', () => {
  let server: TestServer;
  let admin: string;
  before(async () => {
    server = await startTestServer();
    admin = await createTenant(server, 'acme');
    await createTenant(server, 'initech');
  });
  after(async () => server.dispose());
  const as = (roles: string[], actorId = 'someone', tenantId = 'acme') => tokenFor(server, { tenantId, actorId, roles });
  const defineRole = (body: unknown, token = admin) => call(server, 'POST', '/api/admin/roles', { token, body });

  describe('GET /api/admin/permissions', () => {
    it('lists the catalogue: every record resource\'s actions and the platform, admin, audit and compliance permissions', async () => {
      const res = await call(server, 'GET', '/api/admin/permissions', { token: admin });
      expect(res.status).to.equal(200);
      const permissions = res.body.data.map((e: { permission: string }) => e.permission);
      expect(permissions).to.include.members(['sales.contacts:read', 'sales.leads:archive', 'admin.roles:create', 'audit.events:read', 'compliance.subjects:erase']);
      expect(res.body.data.find((e: { permission: string }) => e.permission === 'platform.organizations:create')).to.include({ module: 'platform', assignable: false });
      expect((await call(server, 'GET', '/api/admin/permissions', { token: await as(['sales_rep']) })).status).to.equal(403);
    });
  });

  describe('POST, PATCH and DELETE /api/admin/roles', () => {
    it('defines a custom role whose grants apply to tokens naming it, and a change applies at once', async () => {
      const created = await defineRole({ name: 'contact_reader', description: 'Reads contacts', grants: [{ permission: 'sales.contacts:read', scope: 'all' }] });
      expect(created.status).to.equal(201);
      expect(created.headers.get('location')).to.equal('/api/admin/roles/contact_reader');
      const reader = await as(['contact_reader']);
      expect((await call(server, 'GET', '/sales/contacts', { token: reader })).status).to.equal(200);
      expect((await call(server, 'GET', '/sales/leads', { token: reader })).status).to.equal(403);
      const changed = await call(server, 'PATCH', '/api/admin/roles/contact_reader', { token: admin, body: { grants: [{ permission: 'sales.leads:read', scope: 'all' }] }, headers: { 'If-Match': '"0"' } });
      expect(changed.status).to.equal(200);
      expect((await call(server, 'GET', '/sales/contacts', { token: reader })).status).to.equal(403);
      expect((await call(server, 'GET', '/sales/leads', { token: reader })).status).to.equal(200);
      expect((await call(server, 'DELETE', '/api/admin/roles/contact_reader', { token: admin })).status).to.equal(200);
      expect((await call(server, 'GET', '/sales/leads', { token: reader })).status).to.equal(403);
    });

    it('scopes an `own` grant to the actor\'s own records', async () => {
      const grants = [{ permission: 'sales.contacts:create', scope: 'all' }, { permission: 'sales.contacts:update', scope: 'own' }];
      expect((await defineRole({ name: 'own_editor', grants })).status).to.equal(201);
      const [alice, bob] = [await as(['own_editor'], 'alice'), await as(['own_editor'], 'bob')];
      const created = await call(server, 'POST', '/sales/contacts', { token: alice, body: contact });
      expect(created.status).to.equal(201);
      expect((await call(server, 'PATCH', `/sales/contacts/${created.body.id}`, { token: bob, body: { lastName: 'Byron' } })).status).to.equal(403);
      expect((await call(server, 'PATCH', `/sales/contacts/${created.body.id}`, { token: alice, body: { lastName: 'King' } })).status).to.equal(200);
    });

    it('shows an `own` reader only their own records: in lists, by id, in the past and in history', async () => {
      const grants = [{ permission: 'sales.contacts:create', scope: 'all' }, { permission: 'sales.contacts:read', scope: 'own' }];
      expect((await defineRole({ name: 'own_reader', grants })).status).to.equal(201);
      const [carol, dave] = [await as(['own_reader'], 'carol'), await as(['own_reader'], 'dave')];
      const body = { ...contact, email: 'own-reader@example.org' };
      const { id, position } = (await call(server, 'POST', '/sales/contacts', { token: carol, body })).body;
      const headers = { 'Consistency-Position': String(position) };
      for (const path of [`/sales/contacts/${id}`, `/sales/contacts/${id}?asOf=0`, `/sales/contacts/${id}/history`]) {
        expect((await call(server, 'GET', path, { token: carol, headers })).status, path).to.equal(200);
        expect((await call(server, 'GET', path, { token: dave, headers })).status, path).to.equal(404);
      }
      const listed = async (token: string) => (await call(server, 'GET', '/sales/contacts', { token, headers })).body.data.map((c: { id: string }) => c.id);
      expect(await listed(carol)).to.include(id);
      expect(await listed(dave)).to.not.include(id);
    });

    it('lists built-in and custom roles, and keeps a tenant\'s roles to that tenant', async () => {
      await defineRole({ name: 'lead_viewer', grants: [{ permission: 'sales.leads:read', scope: 'all' }] });
      const res = await call(server, 'GET', '/api/admin/roles', { token: admin });
      const names = res.body.data.map((r: { name: string }) => r.name);
      expect(names).to.include.members(['tenant_admin', 'sales_rep', 'auditor', 'lead_viewer']);
      const elsewhere = await as(['lead_viewer'], 'mallory', 'initech');
      expect((await call(server, 'GET', '/sales/leads', { token: elsewhere })).status).to.equal(403);
    });

    it('refuses a built-in name (409), a platform or unknown permission (422), an unknown field or a reserved name (400) and a non-admin (403)', async () => {
      const grants = [{ permission: 'sales.contacts:read', scope: 'all' }];
      expect((await defineRole({ name: 'sales_rep', grants })).body.code).to.equal('role_exists');
      const platform = await defineRole({ name: 'sneaky', grants: [{ permission: 'platform.organizations:create', scope: 'all' }] });
      expect([platform.status, platform.body.code]).to.deep.equal([422, 'unknown_permission']);
      for (const permission of ['sales.*:read', 'admin.*:*']) {
        const wildcard = await defineRole({ name: 'wild', grants: [{ permission, scope: 'all' }] });
        expect([wildcard.status, wildcard.body.code], permission).to.deep.equal([422, 'unknown_permission']);
      }
      expect((await defineRole({ name: 'extra', grants, admin: true })).status).to.equal(400);
      for (const name of ['constructor', 'prototype']) {
        const reserved = await defineRole({ name, grants });
        expect([reserved.status, reserved.body.errors?.[0]?.pointer], name).to.deep.equal([400, '/name']);
      }
      expect((await defineRole({ name: 'nope', grants }, await as(['sales_manager']))).status).to.equal(403);
      expect((await call(server, 'DELETE', '/api/admin/roles/never_defined', { token: admin })).status).to.equal(404);
    });
  });

  describe('handing out roles and grants (no one makes anyone more powerful than they are)', () => {
    it('refuses a user manager who would make themselves, or anyone, a tenant admin (403 grant_not_held), and changes nothing', async () => {
      const grants = ['admin.users:create', 'admin.users:update', 'admin.users:read', 'admin.roles:create', 'sales.contacts:read']
        .map((permission) => ({ permission, scope: 'all' }));
      expect((await defineRole({ name: 'user_manager', grants })).status).to.equal(201);
      const managerId = await createUserIn(server, admin, 'morgan@acme.example', ['user_manager']);
      const manager = await as(['user_manager'], managerId);
      const promote = await call(server, 'PUT', `/api/admin/users/${managerId}/roles`, { token: manager, body: { roles: ['tenant_admin'] } });
      expect([promote.status, promote.body.code]).to.deep.equal([403, 'grant_not_held']);
      const created = await call(server, 'POST', '/api/admin/users', { token: manager, body: { email: 'x@acme.example', password: PASSWORD, name: 'X', roles: ['sales_manager'] } });
      expect([created.status, created.body.code]).to.deep.equal([403, 'grant_not_held']);
      const wider = await defineRole({ name: 'all_contacts', grants: [{ permission: 'sales.contacts:update', scope: 'all' }] }, manager);
      expect([wider.status, wider.body.code]).to.deep.equal([403, 'grant_not_held']);
      const within = await defineRole({ name: 'contact_reader', grants: [{ permission: 'sales.contacts:read', scope: 'own' }] }, manager);
      expect(within.status).to.equal(201);
      const user = await call(server, 'GET', `/api/admin/users/${managerId}`, { token: admin });
      expect(user.body.roles).to.deep.equal(['user_manager']);
      // Nor take over an account that holds more: no password reset, deactivation or role change of the tenant admin.
      const adminId = (await call(server, 'GET', '/api/admin/users?limit=200', { token: admin })).body.data
        .find((u: { roles: string[] }) => u.roles.includes('tenant_admin')).id;
      for (const [method, path, body] of [
        ['POST', `/api/admin/users/${adminId}/reset-password`, undefined],
        ['POST', `/api/admin/users/${adminId}/deactivate`, { reason: 'takeover' }],
        ['PUT', `/api/admin/users/${adminId}/roles`, { roles: ['contact_reader'] }],
      ] as const) {
        const res = await call(server, method, path, { token: manager, body });
        expect([res.status, res.body.code, JSON.stringify(res.body).includes('token')], path).to.deep.equal([403, 'grant_not_held', false]);
      }
    });
  });

  describe('PUT /api/admin/users/:id/roles', () => {
    it('replaces a user\'s roles (built-in or custom), in effect from their next token', async () => {
      await defineRole({ name: 'contact_viewer', grants: [{ permission: 'sales.contacts:read', scope: 'all' }] });
      const userId = await createUserIn(server, admin, 'carol@acme.example', ['support_agent']);
      const res = await call(server, 'PUT', `/api/admin/users/${userId}/roles`, { token: admin, body: { roles: ['contact_viewer'] } });
      expect(res.status).to.equal(200);
      expect(res.body.roles).to.deep.equal(['contact_viewer']);
      const token = (await logIn(server, 'carol@acme.example', PASSWORD)).body.access_token!;
      expect(decodeJwt(token).payload.roles).to.deep.equal(['contact_viewer']);
      expect((await call(server, 'GET', '/sales/contacts', { token })).status).to.equal(200);
      expect((await call(server, 'GET', '/sales/leads', { token })).status).to.equal(403);
    });

    it('refuses to demote the organization\'s last active tenant admin, themselves included (409 last_tenant_admin), changing nothing', async () => {
      const solo = await createTenant(server, 'solo');
      const soloId = decodeJwt(solo).payload.sub as string;
      const demote = (userId: string, token: string) => call(server, 'PUT', `/api/admin/users/${userId}/roles`, { token, body: { roles: ['sales_rep'] } });
      const refused = await demote(soloId, solo);
      expect([refused.status, refused.body.code]).to.deep.equal([409, 'last_tenant_admin']);
      expect((await call(server, 'GET', `/api/admin/users/${soloId}`, { token: solo })).body.roles).to.deep.equal(['tenant_admin']);
      const second = await createUserIn(server, solo, 'second@solo.example', ['tenant_admin']);
      expect((await demote(soloId, solo)).status).to.equal(200);
      const last = await demote(second, await as(['tenant_admin'], 'integration', 'solo'));
      expect([last.status, last.body.code]).to.deep.equal([409, 'last_tenant_admin']);
    });

    it('keeps a tenant admin when the last two are demoted, or one demoted and one deactivated, at once: one change is refused (409 last_tenant_admin)', async () => {
      // Each pair in a fresh organization; the mixed pair twice, as it interleaves the most readily without the lock.
      for (const [slug, second] of [['duo', 'demote'], ['duet', 'deactivate'], ['pair', 'deactivate']] as const) {
        const first = await createTenant(server, slug);
        const ids = [decodeJwt(first).payload.sub as string, await createUserIn(server, first, `b@${slug}.example`, ['tenant_admin'])];
        const integration = await as(['tenant_admin'], 'integration', slug);
        const demote = (id: string) => call(server, 'PUT', `/api/admin/users/${id}/roles`, { token: integration, body: { roles: ['sales_rep'] } });
        const deactivate = (id: string) => call(server, 'POST', `/api/admin/users/${id}/deactivate`, { token: integration, body: { reason: 'left' } });
        const answers = await Promise.all([demote(ids[0]!), second === 'demote' ? demote(ids[1]!) : deactivate(ids[1]!)]);
        expect(answers.map((a) => [a.status, a.body.code]).sort(), slug).to.deep.equal([[200, undefined], [409, 'last_tenant_admin']]);
        const users = (await call(server, 'GET', '/api/admin/users', { token: integration })).body.data as Array<{ roles: string[]; status: string }>;
        expect(users.filter((u) => u.status === 'active' && u.roles.includes('tenant_admin')), slug).to.have.length(1);
      }
    });

    it('refuses an unknown role (422), the platform role (400), and another tenant\'s user (404)', async () => {
      const userId = await createUserIn(server, admin, 'dave@acme.example', ['sales_rep']);
      const put = (roles: string[], token = admin) => call(server, 'PUT', `/api/admin/users/${userId}/roles`, { token, body: { roles } });
      expect((await put(['wizard'])).body.code).to.equal('unknown_role');
      expect((await put(['platform_admin'])).status).to.equal(400);
      expect((await put(['sales_rep'], await as(['tenant_admin'], 'boss', 'initech'))).status).to.equal(404);
    });
  });
});
