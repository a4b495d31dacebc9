import { expect } from 'chai';
import type { OAuthSession } from '../../../src/access/oauth/sessions.js';
import { call, tokenFor } from '../../support/http.js';
import { apiStatus, expectRevoked, logIn, tokenRequest } from '../../support/oauth.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { createTenant, createUserIn, PASSWORD } from '../../support/tenant.js';

const storages = [
  { name: 'SQLite', env: {} as Record<string, string> },
  { name: 'Redis', env: process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : undefined },
];

for (const storage of storages) {
  describe(`/api/admin/sessions (OAuth storage in ${storage.name})`, () => {
    let server: TestServer;
    let admin: string;
    let userId: string;
    before(async function () {
      if (!storage.env) return this.skip();
      server = await startTestServer(storage.env);
      admin = await createTenant(server, 'acme');
      await createTenant(server, 'initech');
      userId = await createUserIn(server, admin, 'erin@acme.example', ['sales_rep']);
    });
    after(async () => server?.dispose());
    const list = async (token = admin) => (await call(server, 'GET', '/api/admin/sessions', { token })).body.data as OAuthSession[];

    it('lists the tenant\'s sessions: user, client, created and last used (a refresh counts as use)', async () => {
      const signedIn = await logIn(server, 'erin@acme.example', PASSWORD);
      const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: signedIn.body.refresh_token! });
      expect(refreshed.status).to.equal(200);
      const mine = (await list()).filter((s) => s.userId === userId);
      expect(mine).to.have.length(1);
      expect(mine[0]).to.have.keys(['id', 'userId', 'clientId', 'createdAt', 'lastUsedAt']);
      expect(mine[0]!.clientId).to.equal('crm-web');
      expect(mine[0]!.lastUsedAt >= mine[0]!.createdAt).to.equal(true);
      const other = await tokenFor(server, { tenantId: 'initech', actorId: 'boss', roles: ['tenant_admin'] });
      expect((await list(other)).map((s) => s.userId)).not.to.include(userId);
    });

    it('revokes a session (204): its refresh and access tokens then fail; another tenant\'s admin gets 404, a sales rep 403', async () => {
      const earlier = new Set((await list()).map((s) => s.id));
      const signedIn = await logIn(server, 'erin@acme.example', PASSWORD);
      const newest = (await list()).find((s) => !earlier.has(s.id))!;
      const second = await logIn(server, 'erin@acme.example', PASSWORD);
      expect(newest.userId).to.equal(userId);
      expect(await apiStatus(server, signedIn.body.access_token)).to.equal(200);
      const other = await tokenFor(server, { tenantId: 'initech', actorId: 'boss', roles: ['tenant_admin'] });
      expect((await call(server, 'DELETE', `/api/admin/sessions/${newest.id}`, { token: other })).status).to.equal(404);
      const rep = await tokenFor(server, { tenantId: 'acme', actorId: 'rep', roles: ['sales_rep'] });
      expect((await call(server, 'DELETE', `/api/admin/sessions/${newest.id}`, { token: rep })).status).to.equal(403);
      expect((await call(server, 'DELETE', `/api/admin/sessions/${newest.id}`, { token: admin })).status).to.equal(204);
      const refused = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: signedIn.body.refresh_token! });
      expect([refused.status, refused.body.error]).to.deep.equal([400, 'invalid_grant']);
      await expectRevoked(server, signedIn.body.access_token);
      expect(await apiStatus(server, second.body.access_token), 'the user\'s other session').to.equal(200);
      expect((await list()).map((s) => s.id)).not.to.include(newest.id);
    });
  });
}
