import { expect } from 'chai';
import { Redis } from 'ioredis';
import { call } from '../../support/http.js';
import { logIn, tokenRequest } from '../../support/oauth.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const ROOT = { email: 'redis-root@example.com', password: 'correct horse battery staple' };

describe('OAuth 2.0 authorization server with REDIS_URL (sessions and tokens in Redis)', () => {
  let server: TestServer;
  before(async function () {
    if (!process.env.REDIS_URL) return this.skip();
    server = await startTestServer({ REDIS_URL: process.env.REDIS_URL, CRM_ADMIN_EMAIL: ROOT.email, CRM_ADMIN_PASSWORD: ROOT.password });
  });
  after(async () => server?.dispose());

  it('runs the code flow with the refresh token stored in Redis, rotation and reuse detection included', async () => {
    const { body, status } = await logIn(server, ROOT.email, ROOT.password);
    expect(status).to.equal(200);
    const redis = new Redis(process.env.REDIS_URL!);
    try {
      expect(await redis.exists(`crm:oauth:RefreshToken:${body.refresh_token}`)).to.equal(1);
    } finally {
      await redis.quit();
    }
    expect((await call(server, 'GET', '/api/superadmin/organizations', { token: body.access_token })).status).to.equal(200);
    const rotated = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: body.refresh_token! });
    expect(rotated.status).to.equal(200);
    expect((await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: body.refresh_token! })).body.error).to.equal('invalid_grant');
    expect((await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: rotated.body.refresh_token! })).status).to.equal(400);
  });
});
