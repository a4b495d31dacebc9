import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig } from '../../../src/config.js';
import { limiterOf } from '../../../src/http/rate-limit.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { call, tokenFor } from '../../support/http.js';
import { TEST_REDIS_KEY_PREFIX } from '../../support/redis-prefix.js';

const REDIS_URL = process.env.REDIS_URL;

const expectRateLimited = (res: { status: number; headers: Headers; body: any }) => {
  expect(res.status).to.equal(429);
  expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
  expect(res.body.code).to.equal('rate_limited');
  expect(Number(res.headers.get('retry-after'))).to.be.within(1, 60);
};

const tokenRequest = (server: TestServer, path = '/oauth/token') =>
  fetch(`${server.url}${path}`, { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', client_id: 'crm-web' }) })
    .then(async (res) => ({ status: res.status, headers: res.headers, body: await res.json() }));

describe('rate limits', () => {
  describe('in memory (no REDIS_URL)', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ RATE_LIMIT_PER_IP: '15', RATE_LIMIT_WINDOW_SECONDS: '60', RATE_LIMIT_AUTH_PER_IP: '2', RATE_LIMIT_PER_CLIENT: '3' });
    });
    after(async () => server.dispose());

    it('answers the token endpoint and the sign-in post 429 with Retry-After past their stricter limit, whatever the case or trailing slash of the path', async () => {
      expect((await tokenRequest(server)).status).to.equal(400);
      expect((await tokenRequest(server)).status).to.equal(400);
      expectRateLimited(await tokenRequest(server));
      expectRateLimited(await tokenRequest(server, '/oauth/Token'));
      expectRateLimited(await call(server, 'POST', '/oauth/interaction/some-uid/login', { body: {} }));
      expectRateLimited(await call(server, 'POST', '/oauth/interaction/some-uid/LOGIN', { body: {} }));
      expectRateLimited(await call(server, 'POST', '/oauth/interaction/some-uid/login/', { body: {} }));
      expectRateLimited(await tokenRequest(server, '/oauth/token/'));
      expectRateLimited(await call(server, 'POST', '/api/public/invitations/x/accept/', { body: {} }));
      expectRateLimited(await call(server, 'POST', '/API/Public/password-resets/x', { body: {} }));
      expect((await call(server, 'GET', '/health/live')).status).to.equal(200);
    });

    it('limits each client and actor on its own', async () => {
      const ada = await tokenFor(server, { tenantId: 'acme', actorId: 'user-ada', roles: ['tenant_admin'] });
      const bob = await tokenFor(server, { tenantId: 'acme', actorId: 'user-bob', roles: ['tenant_admin'] });
      for (let i = 0; i < 3; i += 1) expect((await call(server, 'GET', '/sales/contacts', { token: ada })).status).to.equal(200);
      expectRateLimited(await call(server, 'GET', '/sales/contacts', { token: ada }));
      expect((await call(server, 'GET', '/sales/contacts', { token: bob })).status).to.equal(200);
    });

    it('limits every request of one IP, public routes included, but not the health probes', async () => {
      let last = await call(server, 'GET', '/.well-known/jwks.json');
      for (let i = 0; i < 15 && last.status === 200; i += 1) last = await call(server, 'GET', '/.well-known/jwks.json');
      expectRateLimited(last);
      expect((await call(server, 'GET', '/health/live')).status).to.equal(200);
      expect((await call(server, 'GET', '/health/ready')).status).to.equal(200);
    });
  });

  (REDIS_URL ? describe : describe.skip)('in Redis (REDIS_URL)', () => {
    let server: TestServer;
    let redis: Redis;
    before(async () => {
      server = await startTestServer({ REDIS_URL: REDIS_URL!, RATE_LIMIT_PER_IP: '0', RATE_LIMIT_AUTH_PER_IP: '0', RATE_LIMIT_PER_CLIENT: '2', RATE_LIMIT_WINDOW_SECONDS: '60' });
      redis = new Redis(REDIS_URL!);
    });
    after(async () => {
      await server.dispose();
      await redis.quit();
    });

    it('counts in Redis, shared by every instance', async () => {
      const actorId = `user-${randomUUID()}`;
      const token = await tokenFor(server, { tenantId: 'acme', actorId, roles: ['tenant_admin'] });
      expect((await call(server, 'GET', '/sales/contacts', { token })).status).to.equal(200);
      expect(Number(await redis.get(`${server.config.redisKeyPrefix}:rl:client:acme/test-client/${actorId}`))).to.equal(1);
      expect((await call(server, 'GET', '/sales/contacts', { token })).status).to.equal(200);
      expectRateLimited(await call(server, 'GET', '/sales/contacts', { token }));
    });

    it('keeps two deployments with different REDIS_KEY_PREFIX apart on one Redis: neither sees the other\'s counts', async () => {
      const prefixes = [`${TEST_REDIS_KEY_PREFIX}-a`, `${TEST_REDIS_KEY_PREFIX}-b`];
      const env = { REDIS_URL: REDIS_URL!, RATE_LIMIT_PER_IP: '0', RATE_LIMIT_AUTH_PER_IP: '0', RATE_LIMIT_PER_CLIENT: '1', RATE_LIMIT_WINDOW_SECONDS: '60' };
      const [a, b] = await Promise.all(prefixes.map((prefix) => startTestServer({ ...env, REDIS_KEY_PREFIX: prefix })));
      try {
        const actorId = `user-${randomUUID()}`;
        const [tokenA, tokenB] = await Promise.all([a, b].map((s) => tokenFor(s!, { tenantId: 'acme', actorId, roles: ['tenant_admin'] })));
        expect((await call(a!, 'GET', '/sales/contacts', { token: tokenA })).status).to.equal(200);
        expectRateLimited(await call(a!, 'GET', '/sales/contacts', { token: tokenA }));
        expect((await call(b!, 'GET', '/sales/contacts', { token: tokenB })).status, 'b counts on its own').to.equal(200);
        const key = `rl:client:acme/test-client/${actorId}`;
        expect(await redis.get(`${prefixes[0]}:${key}`)).to.equal('2');
        expect(await redis.get(`${prefixes[1]}:${key}`)).to.equal('1');
        expect(await redis.exists(`crm:${key}`)).to.equal(0);
      } finally {
        await Promise.all([a, b].map((s) => s!.dispose()));
      }
    });

    it('counts under `crm:` by default, the keys of every deployment before REDIS_KEY_PREFIX', async () => {
      const { redisKeyPrefix } = loadConfig({});
      const name = `test-${randomUUID()}`;
      await limiterOf({ redis, prefix: redisKeyPrefix }, name, 5, 60)('someone');
      try {
        expect(await redis.get(`crm:rl:${name}:someone`)).to.equal('1');
      } finally {
        await redis.del(`crm:rl:${name}:someone`);
      }
    });
  });
});
