import { expect } from 'chai';
import { call, tokenFor } from '../../support/http.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { createTenant, platformToken } from '../../support/tenant.js';

describe('PUT /api/superadmin/organizations/:id/modules', () => {
  let server: TestServer;
  let platform: string;
  before(async () => {
    server = await startTestServer();
    platform = await platformToken(server);
    await createTenant(server, 'acme');
    await createTenant(server, 'initech');
  });
  after(async () => server.dispose());
  const put = (slug: string, body: unknown, token = platform) => call(server, 'PUT', `/api/superadmin/organizations/${slug}/modules`, { token, body });
  const manager = (tenantId: string) => tokenFor(server, { tenantId, actorId: 'manager', roles: ['tenant_admin'] });

  it('gives a new organization every module', async () => {
    const res = await call(server, 'GET', '/api/superadmin/organizations/acme', { token: platform });
    expect(res.body.modules).to.deep.equal({ sales: true, marketing: true, support: true });
  });

  it('disables a module: its routes answer 403 module_disabled for that tenant only, other routes still answer', async () => {
    const res = await put('acme', { sales: false, marketing: false });
    expect(res.status).to.equal(200);
    expect(res.body.modules).to.deep.equal({ sales: false, marketing: false, support: true });
    const token = await manager('acme');
    const refused = await call(server, 'GET', '/sales/contacts', { token });
    expect([refused.status, refused.body.code, refused.body.module]).to.deep.equal([403, 'module_disabled', 'sales']);
    expect((await call(server, 'POST', '/sales/leads', { token, body: { firstName: 'A', lastName: 'B', email: 'a@b.example' } })).status).to.equal(403);
    expect((await call(server, 'GET', '/api/admin/roles', { token })).status).to.equal(200);
    expect((await call(server, 'GET', '/sales/contacts', { token: await manager('initech') })).status).to.equal(200);
  });

  it('refuses the disabled module whatever the case of the path (the routers match it whatever its case)', async () => {
    const token = await manager('acme');
    const answers = [
      await call(server, 'GET', '/SALES/contacts', { token }),
      await call(server, 'POST', '/Sales/leads', { token, body: { firstName: 'A', lastName: 'B', email: 'a@b.example' } }),
      await call(server, 'GET', '/Sales/Reports/win-rate', { token }),
      await call(server, 'POST', '/API/ADMIN/FORMS', { token, body: { name: 'f' } }),
    ];
    expect(answers.map((a) => [a.status, a.body.code])).to.deep.equal(Array(4).fill([403, 'module_disabled']));
  });

  it('enables it again, changing only the modules named', async () => {
    const res = await put('acme', { sales: true });
    expect(res.body.modules).to.deep.equal({ sales: true, marketing: false, support: true });
    expect((await call(server, 'GET', '/sales/contacts', { token: await manager('acme') })).status).to.equal(200);
  });

  it('refuses a tenant admin (403), an unknown organization (404) and an unknown module (400)', async () => {
    expect((await put('acme', { sales: false }, await manager('acme'))).status).to.equal(403);
    expect((await put('nowhere', { sales: false })).status).to.equal(404);
    const unknown = await put('acme', { billing: true });
    expect([unknown.status, unknown.body.errors[0].pointer]).to.deep.equal([400, '/billing']);
  });
});
