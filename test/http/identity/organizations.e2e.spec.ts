import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { call, tokenFor } from '../../support/http.js';
import { decodeJwt, logIn, signIn, startAuthorization } from '../../support/oauth.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const org = (slug: string, email: string) => ({ name: `Org ${slug}`, slug, admin: { email, password: 'long enough password', name: 'Zebedee Quux' } });

describe('/api/superadmin/organizations', () => {
  let server: TestServer;
  let platform: string;
  before(async () => {
    server = await startTestServer();
    platform = await tokenFor(server, { tenantId: 'platform', actorId: 'root', roles: ['platform_admin'] });
  });
  after(async () => server.dispose());
  const create = (body: unknown, token = platform) => call(server, 'POST', '/api/superadmin/organizations', { token, body });

  describe('POST /api/superadmin/organizations', () => {
    it('creates a tenant (201, Location) whose first admin signs in as tenant_admin of it', async () => {
      const res = await create(org('globex', 'hank@globex.example'));
      expect(res.status).to.equal(201);
      expect(res.body).to.include({ id: 'globex', revision: 0 });
      expect(res.body.adminUserId).to.be.a('string');
      expect(res.headers.get('location')).to.equal('/api/superadmin/organizations/globex');
      const { body } = await logIn(server, 'hank@globex.example', 'long enough password');
      const admin = await call(server, 'GET', '/sales/contacts', { token: body.access_token });
      expect(admin.status).to.equal(200);
    });

    it('keeps the admin email and name out of the log and out of identity.db in plaintext', async () => {
      expect((await create(org('hooli', 'gavin.belson@hooli.example'))).status).to.equal(201);
      await server.store.headPosition();
      for (const file of readdirSync(server.dataDir).filter((f) => /^(events|identity)\.db/.test(f))) {
        const bytes = readFileSync(join(server.dataDir, file)).toString('latin1');
        expect(bytes, file).not.to.include('gavin.belson@hooli.example');
        expect(bytes, file).not.to.include('Zebedee Quux');
      }
    });

    it('refuses a caller who is not a platform super admin (403)', async () => {
      const tenantAdmin = await tokenFor(server, { tenantId: 'globex', actorId: 'hank', roles: ['tenant_admin'] });
      const res = await create(org('umbrella', 'alice@umbrella.example'), tenantAdmin);
      expect(res.status).to.equal(403);
      expect(res.body.code).to.equal('forbidden');
    });

    it('refuses a duplicate slug and a duplicate email (409), creating nothing', async () => {
      const slug = await create(org('globex', 'someone.else@globex.example'));
      expect(slug.status).to.equal(409);
      expect(slug.body.code).to.equal('slug_taken');
      const email = await create(org('wayne', 'HANK@globex.example'));
      expect(email.status).to.equal(409);
      expect(email.body.code).to.equal('email_taken');
      expect((await call(server, 'GET', '/api/superadmin/organizations/wayne', { token: platform })).status).to.equal(404);
    });

    it('refuses one of two organizations sent at once with the same admin email (409 email_taken), creating nothing of it', async () => {
      const [first, second] = await Promise.all([create(org('initech', 'bill@lumbergh.example')), create(org('intertrode', 'bill@lumbergh.example'))]);
      const [won, lost] = first.status === 201 ? [first, second] : [second, first];
      expect([won.status, lost.status, lost.body.code]).to.deep.equal([201, 409, 'email_taken']);
      const refusedSlug = won.body.id === 'initech' ? 'intertrode' : 'initech';
      expect((await call(server, 'GET', `/api/superadmin/organizations/${refusedSlug}`, { token: platform })).status).to.equal(404);
      expect(await server.store.readStream(`platform/admin.organization/${refusedSlug}`)).to.deep.equal([]);
      const retried = await create(org(refusedSlug, `peter@${refusedSlug}.example`));
      expect(retried.status, JSON.stringify(retried.body)).to.equal(201);
    });

    it('leaves the admin email of an organization refused for its slug free for another one', async () => {
      const refused = await create(org('globex', 'milton@initrode.example'));
      expect([refused.status, refused.body.code]).to.deep.equal([409, 'slug_taken']);
      expect((await create(org('initrode', 'milton@initrode.example'))).status).to.equal(201);
    });

    it('refuses an invalid body with a 400 problem pointing at each field', async () => {
      const res = await create({ name: '', slug: 'Not A Slug', admin: { email: 'nope', password: 'short', name: 'x' }, plan: 'gold' });
      expect(res.status).to.equal(400);
      expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(res.body.code).to.equal('validation_failed');
      const pointers = res.body.errors.map((e: { pointer: string }) => e.pointer);
      expect(pointers).to.include.members(['/name', '/slug', '/admin/email', '/admin/password', '/plan']);
    });

    it('refuses a name or an admin name of only whitespace (400 at /name, /admin/name), creating nothing', async () => {
      const blank = { ...org('blankco', 'wanda@blankco.example'), name: ' \t ' };
      const res = await create({ ...blank, admin: { ...blank.admin, name: '   ' } });
      expect([res.status, res.body.code]).to.deep.equal([400, 'validation_failed']);
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).to.include.members(['/name', '/admin/name']);
      expect((await call(server, 'GET', '/api/superadmin/organizations/blankco', { token: platform })).status).to.equal(404);
    });

    it('refuses a slug starting or ending with a hyphen or holding two in a row (400 at /slug), and keeps a hyphenated one valid', async () => {
      for (const slug of ['acme-', '-acme', 'ac--me', '-']) {
        const res = await create(org(slug, `x${slug.length}@slugs.example`));
        expect([res.status, res.body.code], slug).to.deep.equal([400, 'validation_failed']);
        expect(res.body.errors.map((e: { pointer: string }) => e.pointer), slug).to.deep.equal(['/slug']);
      }
      expect((await create(org('acme-corp-2', 'ok@acme-corp.example'))).status).to.equal(201);
    });

    it('refuses the reserved slug platform (409 slug_taken)', async () => {
      const res = await create(org('platform', 'root@platform.example'));
      expect([res.status, res.body.code]).to.deep.equal([409, 'slug_taken']);
    });
  });

  describe('POST /api/superadmin/organizations/:id/suspend, /api/admin/users/:id/deactivate, /api/admin/clients/:id/revoke', () => {
    it('refuses a reason of whitespace only (422 reason_required), changing nothing', async () => {
      expect((await create(org('blanks', 'ada@blanks.example'))).status).to.equal(201);
      const admin = await tokenFor(server, { tenantId: 'blanks', actorId: 'integration', roles: ['tenant_admin'] });
      const user = await call(server, 'POST', '/api/admin/users', { token: admin, body: { email: 'bob@blanks.example', password: 'long enough password', name: 'Bob', roles: ['sales_rep'] } });
      const client = await call(server, 'POST', '/api/admin/clients', { token: admin, body: { name: 'ERP', roles: ['sales_rep'] } });
      const changes = [
        ['/api/superadmin/organizations/blanks/suspend', platform],
        [`/api/admin/users/${user.body.id}/deactivate`, admin],
        [`/api/admin/clients/${client.body.clientId}/revoke`, admin],
      ] as const;
      for (const [path, token] of changes) {
        const res = await call(server, 'POST', path, { token, body: { reason: ' \t\n ' } });
        expect([res.status, res.body.code], path).to.deep.equal([422, 'reason_required']);
      }
      expect((await call(server, 'GET', '/api/superadmin/organizations/blanks', { token: platform })).body.status).to.equal('active');
      expect((await call(server, 'GET', `/api/admin/users/${user.body.id}`, { token: admin })).body.status).to.equal('active');
      expect((await call(server, 'GET', `/api/admin/clients/${client.body.clientId}`, { token: admin })).body.status).to.equal('active');
    });
  });

  describe('GET /api/superadmin/organizations', () => {
    it('lists the tenants for the platform super admin, and to nobody else', async () => {
      const res = await call(server, 'GET', '/api/superadmin/organizations', { token: platform });
      expect(res.status).to.equal(200);
      expect(res.body.data.map((t: { id: string }) => t.id)).to.include.members(['globex', 'hooli']);
      expect(res.body.data[0]).to.have.keys(['id', 'slug', 'name', 'status', 'createdAt']);
      const tenantAdmin = await tokenFor(server, { tenantId: 'globex', actorId: 'hank', roles: ['tenant_admin'] });
      expect((await call(server, 'GET', '/api/superadmin/organizations', { token: tenantAdmin })).status).to.equal(403);
    });
  });

  describe('POST /api/admin/users and /:id/deactivate', () => {
    it('lets a tenant admin create a user who signs in with the given roles, then deactivate them', async () => {
      expect((await create(org('stark', 'pepper@stark.example'))).status).to.equal(201);
      const admin = (await logIn(server, 'pepper@stark.example', 'long enough password')).body.access_token!;
      const user = { email: 'happy@stark.example', password: 'drive the car', name: 'Happy Hogan', roles: ['sales_rep'] };
      const created = await call(server, 'POST', '/api/admin/users', { token: admin, body: user });
      expect(created.status).to.equal(201);
      const token = (await logIn(server, user.email, user.password)).body.access_token!;
      expect((await call(server, 'GET', '/sales/contacts', { token })).status).to.equal(200);
      const gone = await call(server, 'POST', `/api/admin/users/${created.body.id}/deactivate`, { token: admin, body: { reason: 'left the company' } });
      expect(gone.status).to.equal(200);
      const refused = await call(server, 'GET', '/sales/contacts', { token });
      expect(refused.status).to.equal(403);
      expect(refused.body.code).to.equal('user_deactivated');
      const login = await signIn(await startAuthorization(server), user.email, user.password);
      expect(login.status).to.equal(401);
    });

    it('refuses to deactivate the organization\'s last active tenant admin (409 last_tenant_admin), and deactivates one when another remains', async () => {
      expect((await create(org('wayne', 'bruce@wayne.example'))).status).to.equal(201);
      const bruce = (await logIn(server, 'bruce@wayne.example', 'long enough password')).body.access_token!;
      const bruceId = decodeJwt(bruce).payload.sub as string;
      const integration = await tokenFor(server, { tenantId: 'wayne', actorId: 'integration', roles: ['tenant_admin'] });
      const deactivate = (userId: string) => call(server, 'POST', `/api/admin/users/${userId}/deactivate`, { token: integration, body: { reason: 'left' } });
      const refused = await deactivate(bruceId);
      expect([refused.status, refused.body.code]).to.deep.equal([409, 'last_tenant_admin']);
      expect((await call(server, 'GET', '/api/admin/users', { token: bruce })).status).to.equal(200);
      const alfred = await call(server, 'POST', '/api/admin/users', { token: bruce, body: { email: 'alfred@wayne.example', password: 'long enough password', name: 'Alfred', roles: ['tenant_admin'] } });
      expect((await deactivate(bruceId)).status).to.equal(200);
      const last = await deactivate(alfred.body.id);
      expect([last.status, last.body.code]).to.deep.equal([409, 'last_tenant_admin']);
    });

    it('refuses a duplicate email (409), a platform role (400) and a caller without admin rights (403)', async () => {
      const admin = await tokenFor(server, { tenantId: 'stark', actorId: 'pepper', roles: ['tenant_admin'] });
      const rep = await tokenFor(server, { tenantId: 'stark', actorId: 'rep', roles: ['sales_rep'] });
      const user = { email: 'pepper@stark.example', password: 'long enough password', name: 'P', roles: ['sales_rep'] };
      expect((await call(server, 'POST', '/api/admin/users', { token: admin, body: user })).body.code).to.equal('email_taken');
      const platformRole = await call(server, 'POST', '/api/admin/users', { token: admin, body: { ...user, email: 'x@stark.example', roles: ['platform_admin'] } });
      expect(platformRole.status).to.equal(400);
      expect((await call(server, 'POST', '/api/admin/users', { token: rep, body: { ...user, email: 'y@stark.example' } })).status).to.equal(403);
    });

    it('refuses a user or an API client named by whitespace only (400 at /name)', async () => {
      const admin = await tokenFor(server, { tenantId: 'stark', actorId: 'pepper', roles: ['tenant_admin'] });
      const user = { email: 'blank@stark.example', password: 'long enough password', name: '  ', roles: ['sales_rep'] };
      for (const [path, body] of [['/api/admin/users', user], ['/api/admin/clients', { name: '\n ', roles: ['sales_rep'] }]] as const) {
        const res = await call(server, 'POST', path, { token: admin, body });
        expect([res.status, res.body.code, res.body.errors?.[0]?.pointer], path).to.deep.equal([400, 'validation_failed', '/name']);
      }
    });
  });
});
