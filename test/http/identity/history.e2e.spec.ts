import { expect } from 'chai';
import { call, tokenFor } from '../../support/http.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { createTenant, createUserIn, platformToken } from '../../support/tenant.js';

type Entry = { type: string; revision: number; actorId: string | null; data: Record<string, unknown>; erased: string[]; withheld?: string[] };

describe('GET …/:id/history of identity records', () => {
  let server: TestServer;
  let admin: string;
  let userId: string;
  before(async () => {
    server = await startTestServer();
    admin = await createTenant(server, 'acme');
    await createTenant(server, 'initech');
    userId = await createUserIn(server, admin, 'kim@acme.example', ['sales_rep']);
    await call(server, 'PUT', `/api/admin/users/${userId}/roles`, { token: admin, body: { roles: ['marketer'] } });
  });
  after(async () => server.dispose());
  const as = (roles: string[], tenantId = 'acme') => tokenFor(server, { tenantId, actorId: 'someone', roles });
  const history = async (path: string, token: string) => {
    const res = await call(server, 'GET', path, { token });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.data as Entry[];
  };

  describe('GET /api/admin/users/:id/history', () => {
    it('answers a user\'s events with personal values, to the admin and to an auditor', async () => {
      for (const token of [admin, await as(['auditor'])]) {
        const entries = await history(`/api/admin/users/${userId}/history`, token);
        expect(entries.map((e) => e.type)).to.deep.equal(['UserCreated', 'UserRolesAssigned']);
        expect(entries[0]!.data).to.include({ email: 'kim@acme.example', name: 'Test User' });
        expect(entries[1]).to.include({ revision: 1 });
        expect(entries[1]!.actorId).to.be.a('string');
      }
    });

    it('withholds personal values from an auditor without audit.personal:read', async () => {
      const defined = await call(server, 'POST', '/api/admin/roles', { token: admin, body: { name: 'event_reader', grants: [{ permission: 'audit.events:read', scope: 'all' }] } });
      expect(defined.status).to.equal(201);
      const [created] = await history(`/api/admin/users/${userId}/history`, await as(['event_reader']));
      expect(created!.data).to.include({ email: null, name: null, userId });
      expect(created!.withheld).to.have.members(['email', 'name']);
    });

    it('refuses a sales rep (403) and answers 404 for another tenant\'s user', async () => {
      expect((await call(server, 'GET', `/api/admin/users/${userId}/history`, { token: await as(['sales_rep']) })).status).to.equal(403);
      expect((await call(server, 'GET', `/api/admin/users/${userId}/history`, { token: await as(['tenant_admin'], 'initech') })).status).to.equal(404);
    });

    it('reads erased values as null, listed as erased', async () => {
      const erasable = await createUserIn(server, admin, 'lou@acme.example', ['sales_rep']);
      await call(server, 'POST', `/api/compliance/subjects/${erasable}/erase`, { token: admin, body: { reason: 'art. 17 request' } });
      const [created] = await history(`/api/admin/users/${erasable}/history`, admin);
      expect(created!.data).to.include({ email: null, name: null });
      expect(created!.erased).to.have.members(['email', 'name']);
    });
  });

  describe('GET /api/admin/clients/:id/history', () => {
    it('answers a client\'s registration and revocation, never its secret', async () => {
      const { body } = await call(server, 'POST', '/api/admin/clients', { token: admin, body: { name: 'ERP', roles: ['sales_rep'] } });
      await call(server, 'POST', `/api/admin/clients/${body.clientId}/revoke`, { token: admin, body: { reason: 'replaced' } });
      const entries = await history(`/api/admin/clients/${body.clientId}/history`, await as(['auditor']));
      expect(entries.map((e) => e.type)).to.deep.equal(['ApiClientRegistered', 'ApiClientRevoked']);
      expect(JSON.stringify(entries)).not.to.include(body.clientSecret);
      expect((await call(server, 'GET', `/api/admin/clients/${body.clientId}/history`, { token: await as(['sales_rep']) })).status).to.equal(403);
    });
  });

  describe('GET /api/admin/roles/:name/history', () => {
    it('answers a custom role\'s definitions; 404 for a built-in role', async () => {
      const grants = [{ permission: 'sales.contacts:read', scope: 'all' }];
      await call(server, 'POST', '/api/admin/roles', { token: admin, body: { name: 'contact_viewer', grants } });
      await call(server, 'PATCH', '/api/admin/roles/contact_viewer', { token: admin, body: { description: 'Reads contacts' } });
      const entries = await history('/api/admin/roles/contact_viewer/history', admin);
      expect(entries.map((e) => e.type)).to.deep.equal(['RoleDefined', 'RoleRedefined']);
      expect(entries[1]!.data).to.include({ description: 'Reads contacts' });
      expect((await call(server, 'GET', '/api/admin/roles/sales_rep/history', { token: admin })).status).to.equal(404);
    });
  });

  describe('GET /api/superadmin/organizations/:id/history', () => {
    it('answers an organization\'s events to the platform admin, and to the organization\'s own auditors only', async () => {
      const platform = await platformToken(server);
      await call(server, 'POST', '/api/superadmin/organizations/initech/suspend', { token: platform, body: { reason: 'unpaid invoices' } });
      const entries = await history('/api/superadmin/organizations/initech/history', platform);
      expect(entries.map((e) => e.type)).to.deep.equal(['OrganizationCreated', 'OrganizationSuspended']);
      expect(entries[0]!.data).to.include({ slug: 'initech', name: 'Org initech' });
      expect((await history('/api/superadmin/organizations/acme/history', await as(['auditor']))).map((e) => e.type)).to.deep.equal(['OrganizationCreated']);
      expect((await call(server, 'GET', '/api/superadmin/organizations/initech/history', { token: await as(['auditor']) })).status).to.equal(404);
      expect((await call(server, 'GET', '/api/superadmin/organizations/acme/history', { token: await as(['sales_rep']) })).status).to.equal(403);
    });
  });
});
