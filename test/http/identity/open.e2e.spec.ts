import { expect } from 'chai';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { call } from '../../support/http.js';
import { CALLBACK, signIn, startAuthorization, tokenRequest } from '../../support/oauth.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { createTenant, createUserIn, PASSWORD } from '../../support/tenant.js';
import { filesUnder } from '../../support/data-files.js';

/**
 * A user signs in through the authorization server in every way that leaves OAuth entries behind:
 * a login hint carrying their email in a request left at the form, one whose form was posted but
 * whose redirect was never followed, a pushed request, and a finished sign-in (session, grant,
 * refresh token). Another person's request with a hint is left alone.
 */
const signInEveryWay = async (server: TestServer, email: string, other: string) => {
  await startAuthorization(server, { login_hint: email.toUpperCase() });
  await startAuthorization(server, { login_hint: other });
  const posted = await startAuthorization(server, { login_hint: email });
  expect((await posted.browser.submit(posted.page, { email, password: PASSWORD })).status).to.equal(303);
  const pushed = await fetch(`${server.url}/oauth/request`, {
    method: 'POST',
    body: new URLSearchParams({ ...posted.query, client_id: 'crm-web', login_hint: email, scope: 'api' }),
  });
  expect(pushed.status).to.equal(201);
  const finished = await startAuthorization(server, { login_hint: email });
  const code = new URL((await signIn(finished, email, PASSWORD)).location!).searchParams.get('code')!;
  const tokens = await tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: finished.verifier });
  expect(tokens.status).to.equal(200);
  return tokens.body.refresh_token!;
};

const erase = async (server: TestServer, admin: string, userId: string) => {
  const erased = await call(server, 'POST', `/api/compliance/subjects/${userId}/erase`, { token: admin, body: { reason: 'art. 17 request' } });
  expect(erased.status, JSON.stringify(erased.body)).to.equal(200);
};


describe('POST /api/compliance/subjects/:userId/erase of a user who signed in', function () {
  this.timeout(30_000);
  let server: TestServer;
  let admin: string;
  before(async () => {
    server = await startTestServer();
    admin = await createTenant(server, 'acme');
  });
  after(async () => server.dispose());

  const entries = (where: string, ...params: string[]): Array<{ model: string }> => {
    const db = new Database(join(server.dataDir, 'identity.db'), { readonly: true });
    try {
      return db.prepare(`SELECT model FROM oauth_entries WHERE ${where}`).all(...params) as Array<{ model: string }>;
    } finally {
      db.close();
    }
  };

  it('deletes every OAuth entry naming them or hinting at their email, expired ones too, and leaves the email in no identity.db file', async () => {
    const userId = await createUserIn(server, admin, 'hintina.h@acme.example', ['sales_rep']);
    await signInEveryWay(server, 'hintina.h@acme.example', 'otto.other@acme.example');
    const db = new Database(join(server.dataDir, 'identity.db'));
    // The request with the upper-case hint has expired (the sweep has not run yet).
    expect(db.prepare("UPDATE oauth_entries SET expires_at = 1 WHERE model = 'Interaction' AND payload GLOB '*HINTINA*'").run().changes).to.equal(1);
    db.close();
    expect(entries("payload LIKE '%hintina%'").map((e) => e.model)).to.include.members(['Interaction']);
    expect(entries("model = 'PushedAuthorizationRequest'")).to.have.length(1);

    await erase(server, admin, userId);

    expect(entries("payload LIKE '%hintina%' OR payload LIKE ?", `%${userId}%`)).to.deep.equal([]);
    expect(entries("model = 'PushedAuthorizationRequest'")).to.deep.equal([]);
    expect(entries("payload LIKE '%otto.other%'").map((e) => e.model)).to.deep.equal(['Interaction']);
    const files = filesUnder(server.dataDir).filter((f) => f.includes('identity.db'));
    expect(files.map((f) => f.slice(server.dataDir.length + 1))).to.include('identity.db');
    const bytes = Buffer.concat(files.map((f) => readFileSync(f))).toString('latin1').toLowerCase();
    expect(bytes.includes('otto.other@acme.example'), 'the scan reads the data').to.equal(true);
    expect(bytes.includes('hintina'), 'the erased email').to.equal(false);
  });
});

describe('POST /api/compliance/subjects/:userId/erase of a user who signed in, with REDIS_URL', function () {
  this.timeout(30_000);
  let server: TestServer;
  let redis: Redis;
  let admin: string;
  before(async function () {
    if (!process.env.REDIS_URL) return this.skip();
    server = await startTestServer({ REDIS_URL: process.env.REDIS_URL });
    redis = new Redis(process.env.REDIS_URL);
    admin = await createTenant(server, 'acme');
  });
  after(async () => {
    await redis?.quit();
    await server?.dispose();
  });

  /** The OAuth keys of this server whose value holds `text`. */
  const keysHolding = async (text: string): Promise<string[]> => {
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${server.config.redisKeyPrefix}:oauth:*`, count: 500 })) keys.push(...(batch as string[]));
    const values = await Promise.all(keys.map((key) => redis.get(key).catch(() => null)));
    return keys.filter((_key, i) => values[i]?.toLowerCase().includes(text));
  };

  it('deletes every Redis entry naming them or hinting at their email', async () => {
    const run = randomUUID().slice(0, 8);
    const [email, other] = [`hintina.${run}@acme.example`, `otto.${run}@acme.example`];
    const userId = await createUserIn(server, admin, email, ['sales_rep']);
    const refreshToken = await signInEveryWay(server, email, other);
    expect((await keysHolding(email)).length).to.be.greaterThan(1);

    await erase(server, admin, userId);

    expect(await keysHolding(email)).to.deep.equal([]);
    expect(await keysHolding(userId)).to.deep.equal([]);
    expect(await keysHolding(other)).to.have.length(1);
    expect((await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: refreshToken })).status).to.equal(400);
  });
});

describe('CRM_ADMIN_EMAIL at start', function () {
  this.timeout(30_000);

  it('creates no super admin for an email an organization\'s user holds: the start goes on and warns', async () => {
    const first = await startTestServer();
    const admin = await createTenant(first, 'acme');
    const repId = await createUserIn(first, admin, 'rep@acme.example', ['sales_rep']);
    await first.stop();
    const again = await startTestServer({ DATA_DIR: first.dataDir, CRM_ADMIN_EMAIL: 'REP@acme.example', CRM_ADMIN_PASSWORD: 'a long enough password' });
    try {
      const warnings = again.logs.map((line) => JSON.parse(line)).filter((entry) => entry.code === 'email_taken');
      expect(warnings.map((w) => [w.level, w.msg])).to.deep.equal([[40, 'CRM_ADMIN_EMAIL: no platform super admin created: This email belongs to a user of organization acme, not a platform super admin']]);
      const db = new Database(join(first.dataDir, 'identity.db'), { readonly: true });
      const users = db.prepare('SELECT user_id, tenant_id FROM directory_users WHERE tenant_id = ? OR user_id = ?').all('platform', repId);
      db.close();
      expect(users).to.deep.equal([{ user_id: repId, tenant_id: 'acme' }]);
    } finally {
      await again.dispose();
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });
});
