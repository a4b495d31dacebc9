import { expect } from 'chai';
import { call } from '../../support/http.js';
import { decodeJwt, logIn, tokenRequest } from '../../support/oauth.js';
import { runTs } from '../../support/process.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const ROOT = { email: 'root@example.com', password: 'correct horse battery staple' };

describe('OAuth 2.0 authorization server after `keys rotate-signing` by the CLI', function () {
  this.timeout(60_000);
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ CRM_ADMIN_EMAIL: ROOT.email, CRM_ADMIN_PASSWORD: ROOT.password });
  });
  after(async () => server.dispose());

  it('signs new tokens with the new key at once, without a restart; tokens of the old key still pass', async () => {
    const before = await logIn(server, ROOT.email, ROOT.password);
    const oldKid = decodeJwt(before.body.access_token!).header.kid;
    const rotated = await runTs('src/cli.ts', ['keys', 'rotate-signing'], { DATA_DIR: server.dataDir, PUBLIC_URL: server.config.publicUrl });
    expect(rotated.code, rotated.stderr).to.equal(0);
    const newKid = JSON.parse(rotated.stdout).kid;
    expect(newKid).to.be.a('string').and.not.equal(oldKid);

    const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: before.body.refresh_token! });
    expect(refreshed.status).to.equal(200);
    const after = await logIn(server, ROOT.email, ROOT.password);
    for (const token of [refreshed.body.access_token!, after.body.access_token!]) {
      expect(decodeJwt(token).header.kid).to.equal(newKid);
      expect((await call(server, 'GET', '/api/superadmin/organizations', { token })).status).to.equal(200);
    }
    expect((await call(server, 'GET', '/api/superadmin/organizations', { token: before.body.access_token })).status).to.equal(200);
    expect(server.signingKeys.current().kid).to.equal(newKid);
  });
});
