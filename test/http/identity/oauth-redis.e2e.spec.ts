import Database from 'better-sqlite3';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../../support/http.js';
import { apiStatus, CALLBACK, expectRevoked, logIn, signIn, startAuthorization, tokenRequest } from '../../support/oauth.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { createTenant, PASSWORD } from '../../support/tenant.js';

const ROOT = { email: 'redis-root@example.com', password: 'correct horse battery staple' };
const TOGETHER = 6;

/** `TOGETHER` token requests with one form, all sent before any is answered. */
const together = (server: TestServer, form: Record<string, string>) =>
  Promise.all(Array.from({ length: TOGETHER }, () => tokenRequest(server, form)));

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
      expect(await redis.exists(`${server.config.redisKeyPrefix}:oauth:RefreshToken:${body.refresh_token}`)).to.equal(1);
    } finally {
      await redis.quit();
    }
    expect((await call(server, 'GET', '/api/superadmin/organizations', { token: body.access_token })).status).to.equal(200);
    const rotated = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: body.refresh_token! });
    expect(rotated.status).to.equal(200);
    expect((await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: body.refresh_token! })).body.error).to.equal('invalid_grant');
    expect((await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: rotated.body.refresh_token! })).status).to.equal(400);
  });

  describe('POST /oauth/token with requests that arrive together', () => {
    it('redeems one code once; the other redemptions are reuse and revoke what the first issued, its access token included', async () => {
      const auth = await startAuthorization(server);
      const code = new URL((await signIn(auth, ROOT.email, ROOT.password)).location!).searchParams.get('code')!;
      const answers = await together(server, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: auth.verifier });
      const issued = answers.filter((a) => a.status === 200);
      expect(issued).to.have.length(1);
      expect(answers.filter((a) => a.body.error === 'invalid_grant')).to.have.length(TOGETHER - 1);
      await expectRevoked(server, issued[0]!.body.access_token);
      const refresh = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: issued[0]!.body.refresh_token! });
      expect([refresh.status, refresh.body.error]).to.deep.equal([400, 'invalid_grant']);
    });

    it('rotates one refresh token once; the other refreshes are reuse and revoke the whole family (no fork), access tokens included', async () => {
      const { body } = await logIn(server, ROOT.email, ROOT.password);
      const answers = await together(server, { grant_type: 'refresh_token', refresh_token: body.refresh_token! });
      const issued = answers.filter((a) => a.status === 200);
      expect(issued).to.have.length(1);
      expect(answers.filter((a) => a.body.error === 'invalid_grant')).to.have.length(TOGETHER - 1);
      await expectRevoked(server, issued[0]!.body.access_token);
      await expectRevoked(server, body.access_token);
      const successor = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: issued[0]!.body.refresh_token! });
      expect([successor.status, successor.body.error]).to.deep.equal([400, 'invalid_grant']);
    });
  });

  describe('the login backoff', () => {
    const dirs = [mkdtempSync(join(tmpdir(), 'crm-replica-a-')), mkdtempSync(join(tmpdir(), 'crm-replica-b-'))];
    const replicas: TestServer[] = [];
    before(async function () {
      if (!process.env.REDIS_URL) return this.skip();
      const env = { REDIS_URL: process.env.REDIS_URL, CRM_ADMIN_EMAIL: ROOT.email, CRM_ADMIN_PASSWORD: ROOT.password };
      await (await startTestServer({ ...env, DATA_DIR: dirs[0]! })).dispose();
      cpSync(dirs[0]!, dirs[1]!, { recursive: true }); // replicas share their keys, hence the email's lookup hash
      for (const dir of dirs) replicas.push(await startTestServer({ ...env, DATA_DIR: dir }));
    });
    after(async () => {
      for (const replica of replicas) await replica.dispose();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    it('is shared by two API instances: an address that failed on one waits on the other, the owner elsewhere does not', async () => {
      const [a, b] = replicas;
      expect((await signIn(await startAuthorization(a!, {}, '127.0.0.2'), ROOT.email, 'a guess')).status).to.equal(401);
      const elsewhere = await signIn(await startAuthorization(b!, {}, '127.0.0.2'), ROOT.email, ROOT.password);
      expect([elsewhere.status, elsewhere.headers.get('retry-after')]).to.deep.equal([429, '1']);
      const owner = await signIn(await startAuthorization(b!, {}, '127.0.0.3'), ROOT.email, ROOT.password);
      expect(new URL(owner.location ?? 'http://none/').searchParams.get('code'), owner.html).to.be.a('string');
    });

    it('checks one attempt of an address on an account at a time across the instances', async () => {
      const forms = await Promise.all([...replicas, ...replicas].map((replica) => startAuthorization(replica, {}, '127.0.0.4')));
      const answers = await Promise.all(forms.map((form, i) => signIn(form, ROOT.email, `guess ${i}`)));
      expect(answers.map((page) => page.status).sort()).to.deep.equal([401, 429, 429, 429]);
    });
  });
});

/**
 * A second API replica of `server` on Redis: its own DATA_DIR, seeded with a copy of the first's
 * identity.db (its signing key and directory), as replicas share keys and accounts.
 */
const replicaOf = async (server: TestServer, env: Record<string, string>): Promise<TestServer> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-replica-'));
  const source = new Database(join(server.dataDir, 'identity.db'), { readonly: true });
  try {
    await source.backup(join(dataDir, 'identity.db'));
  } finally {
    source.close();
  }
  const replica = await startTestServer({ ...env, DATA_DIR: dataDir });
  return { ...replica, dispose: async () => (await replica.dispose(), rmSync(dataDir, { recursive: true, force: true })) };
};

describe('access tokens of a revoked grant, with REDIS_URL (two API replicas sharing Redis)', () => {
  let first: TestServer;
  let second: TestServer;
  let env: Record<string, string>;
  before(async function () {
    if (!process.env.REDIS_URL) return this.skip();
    env = { REDIS_URL: process.env.REDIS_URL, CRM_MASTER_KEY: randomBytes(32).toString('base64') };
    first = await startTestServer(env);
    await createTenant(first, 'acme');
    second = await replicaOf(first, env);
  });
  after(async () => {
    await second?.dispose();
    await first?.dispose();
  });

  it('are refused by the other replica from its next request on', async () => {
    const revoked = await logIn(first, 'admin@acme.example', PASSWORD);
    const kept = await logIn(first, 'admin@acme.example', PASSWORD);
    expect(await apiStatus(second, revoked.body.access_token)).to.equal(200);
    const res = await fetch(`${first.url}/oauth/token/revocation`, {
      method: 'POST', body: new URLSearchParams({ client_id: 'crm-web', token: revoked.body.refresh_token!, token_type_hint: 'refresh_token' }),
    });
    expect(res.status).to.equal(200);
    await expectRevoked(second, revoked.body.access_token);
    await expectRevoked(first, revoked.body.access_token);
    expect(await apiStatus(second, kept.body.access_token), 'another grant').to.equal(200);
  });

  it('are refused by a replica started after the revocation', async () => {
    const { body } = await logIn(first, 'admin@acme.example', PASSWORD);
    const rotated = await tokenRequest(first, { grant_type: 'refresh_token', refresh_token: body.refresh_token! });
    expect((await tokenRequest(first, { grant_type: 'refresh_token', refresh_token: body.refresh_token! })).body.error).to.equal('invalid_grant');
    const late = await replicaOf(first, env);
    try {
      await expectRevoked(late, rotated.body.access_token);
    } finally {
      await late.dispose();
    }
  });
});
