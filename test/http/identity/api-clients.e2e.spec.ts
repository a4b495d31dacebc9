import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { call, tokenFor } from '../../support/http.js';
import { decodeJwt } from '../../support/oauth.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { createTenant, platformToken } from '../../support/tenant.js';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('/api/admin/clients and POST /oauth/token (client_credentials)', () => {
  let server: TestServer;
  let admin: string;
  before(async () => {
    server = await startTestServer();
    admin = await tokenFor(server, { tenantId: 'acme', actorId: 'acme-admin', roles: ['tenant_admin'] });
  });
  after(async () => server.dispose());

  const clientToken = async (authorization: string) => {
    const res = await fetch(`${server.url}/oauth/token`, {
      method: 'POST', headers: { authorization }, body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };

  it('registers a client whose secret (answered once, stored hashed) buys API tokens for its tenant and roles', async () => {
    const created = await call(server, 'POST', '/api/admin/clients', { token: admin, body: { name: 'ERP sync', roles: ['sales_rep'] } });
    expect(created.status).to.equal(201);
    const { clientId, clientSecret } = created.body;
    expect(clientSecret).to.be.a('string').with.length.greaterThan(40);
    for (const file of readdirSync(server.dataDir).filter((f) => f.includes('.db'))) {
      expect(readFileSync(join(server.dataDir, file)).toString('latin1'), file).not.to.include(clientSecret);
    }
    const token = await clientToken(basic(clientId, clientSecret));
    expect(token.status).to.equal(200);
    const { header, payload } = decodeJwt(token.body.access_token!);
    expect(header).to.include({ alg: 'ES256', typ: 'at+jwt' });
    expect(payload).to.include({ sub: clientId, client_id: clientId, tid: 'acme', aud: 'crm-api' });
    expect(payload.roles).to.deep.equal(['sales_rep']);
    expect(payload, 'a client\'s token is under no grant').not.to.have.property('grant_id');
    const res = await call(server, 'POST', '/sales/contacts', { token: token.body.access_token, body: { firstName: 'I', lastName: 'Ntegration', email: 'i@example.org' } });
    expect(res.status).to.equal(201);
  });

  it('refuses a wrong secret (401 invalid_client), and a revoked client both new tokens and its current ones', async () => {
    const { body } = await call(server, 'POST', '/api/admin/clients', { token: admin, body: { name: 'Old BI', roles: ['auditor'] } });
    expect((await clientToken(basic(body.clientId, `${body.clientSecret}x`))).body.error).to.equal('invalid_client');
    const token = (await clientToken(basic(body.clientId, body.clientSecret))).body.access_token;
    const revoked = await call(server, 'POST', `/api/admin/clients/${body.clientId}/revoke`, { token: admin, body: { reason: 'replaced' } });
    expect(revoked.status).to.equal(200);
    expect((await clientToken(basic(body.clientId, body.clientSecret))).body.error).to.equal('invalid_client');
    const refused = await call(server, 'GET', '/sales/contacts', { token });
    expect(refused.status).to.equal(403);
    expect(refused.body.code).to.equal('client_revoked');
  });

  it('never answers another caller\'s Idempotency-Key (a sales rep replaying the admin\'s key gets 403), nor stores the secret (a replay answers it null)', async () => {
    const headers = { 'Idempotency-Key': 'register-erp-once' };
    const body = { name: 'Replayed ERP', roles: ['sales_rep'] };
    const created = await call(server, 'POST', '/api/admin/clients', { token: admin, body, headers });
    expect(created.status).to.equal(201);
    const rep = await tokenFor(server, { tenantId: 'acme', actorId: 'rep', roles: ['sales_rep'] });
    const replayed = await call(server, 'POST', '/api/admin/clients', { token: rep, body, headers });
    expect(replayed.status).to.equal(403);
    expect(JSON.stringify(replayed.body)).not.to.include(created.body.clientSecret);
    const again = await call(server, 'POST', '/api/admin/clients', { token: admin, body, headers });
    expect([again.status, again.headers.get('idempotent-replayed'), again.body.clientId]).to.deep.equal([201, 'true', created.body.clientId]);
    expect(again.body.clientSecret, 'a secret is never stored, so never replayed').to.equal(null);
    for (const file of readdirSync(server.dataDir).filter((f) => f.includes('.db'))) {
      expect(readFileSync(join(server.dataDir, file)).toString('latin1'), file).not.to.include(created.body.clientSecret);
    }
  });

  it('gives no tokens to the clients of a suspended organization (401 invalid_client), and again once it is reactivated', async () => {
    const orgAdmin = await createTenant(server, 'umbrella');
    const root = await platformToken(server);
    const { body } = await call(server, 'POST', '/api/admin/clients', { token: orgAdmin, body: { name: 'Umbrella ERP', roles: ['sales_rep'] } });
    const credentials = basic(body.clientId, body.clientSecret);
    expect((await clientToken(credentials)).status).to.equal(200);
    expect((await call(server, 'POST', '/api/superadmin/organizations/umbrella/suspend', { token: root, body: { reason: 'unpaid' } })).status).to.equal(200);
    const refused = await clientToken(credentials);
    expect([refused.status, refused.body.error]).to.deep.equal([401, 'invalid_client']);
    expect((await call(server, 'POST', '/api/superadmin/organizations/umbrella/reactivate', { token: root, body: { reason: 'x' } })).status).to.equal(400);
    expect((await call(server, 'POST', '/api/superadmin/organizations/umbrella/reactivate', { token: root })).status).to.equal(200);
    expect((await clientToken(credentials)).status).to.equal(200);
  });

  it('lets only a tenant admin register clients (403), with tenant roles only (400)', async () => {
    const rep = await tokenFor(server, { tenantId: 'acme', actorId: 'rep', roles: ['sales_rep'] });
    expect((await call(server, 'POST', '/api/admin/clients', { token: rep, body: { name: 'x', roles: ['sales_rep'] } })).status).to.equal(403);
    expect((await call(server, 'POST', '/api/admin/clients', { token: admin, body: { name: 'x', roles: ['platform_admin'] } })).status).to.equal(400);
  });
});

describe('GET /api/admin/clients and GET /api/admin/clients/:id', () => {
  let server: TestServer;
  let admin: string;
  before(async () => {
    server = await startTestServer();
    admin = await tokenFor(server, { tenantId: 'acme', actorId: 'acme-admin', roles: ['tenant_admin'] });
  });
  after(async () => server.dispose());
  const get = (path: string, token = admin) => call(server, 'GET', path, { token });
  const register = async (name: string) => (await call(server, 'POST', '/api/admin/clients', { token: admin, body: { name, roles: ['sales_rep'] } })).body;

  it('lists the tenant\'s clients by id, in pages, never with their secret', async () => {
    const registered = [await register('ERP'), await register('BI'), await register('Mailer')];
    const first = await get('/api/admin/clients?limit=2');
    expect(first.status).to.equal(200);
    const second = await get(`/api/admin/clients?limit=2&cursor=${first.body.page.nextCursor}`);
    expect(second.body.page.nextCursor).to.equal(null);
    const clients = [...first.body.data, ...second.body.data];
    expect(clients.map((c: { id: string }) => c.id)).to.deep.equal(registered.map((r) => r.clientId).sort());
    expect(clients.find((c: { id: string }) => c.id === registered[0].clientId)).to.include({ name: 'ERP', status: 'active' });
    const text = JSON.stringify(clients);
    for (const { clientSecret } of registered) expect(text).not.to.include(clientSecret);
    expect(text).not.to.match(/secret/i);
  });

  it('reads one client with its status; 404 for another tenant\'s client, 403 for a sales rep', async () => {
    const { clientId } = await register('Old sync');
    await call(server, 'POST', `/api/admin/clients/${clientId}/revoke`, { token: admin, body: { reason: 'replaced' } });
    const res = await get(`/api/admin/clients/${clientId}`);
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ id: clientId, name: 'Old sync', status: 'revoked' });
    expect(res.body.roles).to.deep.equal(['sales_rep']);
    expect(res.body.createdAt).to.be.a('string');
    const other = await tokenFor(server, { tenantId: 'initech', actorId: 'boss', roles: ['tenant_admin'] });
    expect((await get(`/api/admin/clients/${clientId}`, other)).status).to.equal(404);
    expect((await get('/api/admin/clients', other)).body.data).to.deep.equal([]);
    const rep = await tokenFor(server, { tenantId: 'acme', actorId: 'rep', roles: ['sales_rep'] });
    expect((await get('/api/admin/clients', rep)).status).to.equal(403);
  });
});
