import Database from 'better-sqlite3';
import { expect } from 'chai';
import { join } from 'node:path';
import { call, tokenFor } from '../../support/http.js';
import { apiStatus, expectRevoked, logIn, signIn, startAuthorization, tokenRequest } from '../../support/oauth.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { createTenant, createUserIn, PASSWORD } from '../../support/tenant.js';

describe('invitations and password resets', () => {
  let server: TestServer;
  let admin: string;
  before(async () => {
    server = await startTestServer();
    admin = await createTenant(server, 'acme');
  });
  after(async () => server.dispose());
  const post = (path: string, body?: unknown, token?: string) => call(server, 'POST', path, { token, body });
  const signInStatus = async (email: string, password: string) => (await signIn(await startAuthorization(server), email, password)).status;

  describe('POST /api/admin/users/invite and POST /api/public/invitations/:token/accept', () => {
    it('invites a user who cannot sign in until they accept with a password, once', async () => {
      const invited = await post('/api/admin/users/invite', { email: 'frank@acme.example', name: 'Frank', roles: ['sales_rep'] }, admin);
      expect(invited.status).to.equal(201);
      expect(invited.body).to.include.keys(['id', 'token', 'expiresAt', 'path']);
      expect(invited.body.path).to.equal(`/api/public/invitations/${invited.body.token}/accept`);
      expect(await signInStatus('frank@acme.example', 'any password at all')).to.equal(401);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // the failed sign-in's backoff
      const accepted = await post(invited.body.path, { password: 'franks own password' });
      expect(accepted.status).to.equal(200);
      expect(accepted.body).to.deep.equal({ userId: invited.body.id, status: 'active' });
      const token = (await logIn(server, 'frank@acme.example', 'franks own password')).body.access_token!;
      expect((await call(server, 'GET', '/sales/contacts', { token })).status).to.equal(200);
      const again = await post(invited.body.path, { password: 'another password' });
      expect([again.status, again.body.code]).to.deep.equal([400, 'token_invalid']);
    });

    it('refuses an unknown token (400), a short password (400), a taken email (409) and a non-admin (403)', async () => {
      expect((await post('/api/public/invitations/not-a-real-token/accept', { password: 'long enough password' })).body.code).to.equal('token_invalid');
      const invited = await post('/api/admin/users/invite', { email: 'grace@acme.example', name: 'Grace', roles: ['marketer'] }, admin);
      expect((await post(invited.body.path, { password: 'short' })).body.code).to.equal('validation_failed');
      expect((await post('/api/admin/users/invite', { email: 'grace@acme.example', name: 'G', roles: ['marketer'] }, admin)).status).to.equal(409);
      const rep = await tokenFor(server, { tenantId: 'acme', actorId: 'rep', roles: ['sales_rep'] });
      expect((await post('/api/admin/users/invite', { email: 'h@acme.example', name: 'H', roles: ['sales_rep'] }, rep)).status).to.equal(403);
    });
    it('keeps the invitation link out of a replayed answer (Idempotency-Key) and away from other callers', async () => {
      const body = { email: 'ines@acme.example', name: 'Ines', roles: ['sales_rep'] };
      const headers = { 'Idempotency-Key': 'invite-ines' };
      const invited = await call(server, 'POST', '/api/admin/users/invite', { token: admin, body, headers });
      expect(invited.status).to.equal(201);
      const replay = await call(server, 'POST', '/api/admin/users/invite', { token: admin, body, headers });
      expect(replay.headers.get('idempotent-replayed')).to.equal('true');
      expect(replay.body).to.include({ id: invited.body.id, token: null, path: null });
      const rep = await tokenFor(server, { tenantId: 'acme', actorId: 'rep', roles: ['sales_rep'] });
      const stolen = await call(server, 'POST', '/api/admin/users/invite', { token: rep, body, headers });
      expect([stolen.status, JSON.stringify(stolen.body).includes(invited.body.token)]).to.deep.equal([403, false]);
    });
  });

  describe('POST /api/admin/users/:id/reset-password and POST /api/public/password-resets/:token', () => {
    it('sets a new password from a single-use token and ends the user\'s sessions, refresh and access tokens', async () => {
      const userId = await createUserIn(server, admin, 'heidi@acme.example', ['sales_rep']);
      const before = await logIn(server, 'heidi@acme.example', PASSWORD);
      expect(await apiStatus(server, before.body.access_token)).to.equal(200);
      const odd = await post(`/api/admin/users/${userId}/reset-password`, { password: 'chosen by the admin' }, admin);
      expect([odd.status, odd.body.code]).to.deep.equal([400, 'validation_failed']);
      const issued = await post(`/api/admin/users/${userId}/reset-password`, undefined, admin);
      expect(issued.status).to.equal(201);
      expect(issued.body.path).to.equal(`/api/public/password-resets/${issued.body.token}`);
      expect((await post(issued.body.path, { password: 'a brand new password' })).status).to.equal(204);
      const refresh = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: before.body.refresh_token! });
      expect([refresh.status, refresh.body.error]).to.deep.equal([400, 'invalid_grant']);
      await expectRevoked(server, before.body.access_token);
      expect(await apiStatus(server, admin), 'another user\'s grant').to.equal(200);
      const after = await logIn(server, 'heidi@acme.example', 'a brand new password');
      expect([after.status, await apiStatus(server, after.body.access_token)]).to.deep.equal([200, 200]);
      expect((await post(issued.body.path, { password: 'yet another password' })).body.code).to.equal('token_invalid');
      expect(await signInStatus('heidi@acme.example', PASSWORD)).to.equal(401);
    });

    it('answers 404 for another tenant\'s user', async () => {
      const userId = await createUserIn(server, admin, 'ivan@acme.example', ['sales_rep']);
      const other = await tokenFor(server, { tenantId: 'initech', actorId: 'boss', roles: ['tenant_admin'] });
      expect((await post(`/api/admin/users/${userId}/reset-password`, undefined, other)).status).to.equal(404);
    });
  });

  describe('the links of a user who leaves (deactivated or erased)', () => {
    const invite = async (email: string) => (await post('/api/admin/users/invite', { email, name: 'Leaving', roles: ['sales_rep'] }, admin)).body;
    const resetLinkOf = async (email: string) => {
      const userId = await createUserIn(server, admin, email, ['sales_rep']);
      return { id: userId, path: (await post(`/api/admin/users/${userId}/reset-password`, undefined, admin)).body.path as string };
    };
    const eventsOf = async (userId: string) => (await server.store.readStream(`acme/admin.user/${userId}`)).length;
    const directoryRow = (userId: string) => {
      const db = new Database(join(server.dataDir, 'identity.db'), { readonly: true });
      try {
        return db.prepare('SELECT status, password_hash AS passwordHash FROM directory_users WHERE user_id = ?').get(userId);
      } finally {
        db.close();
      }
    };
    /** Posts each link: each is refused as a used link would be, and appends nothing to its user. */
    const expectDead = async (links: Array<{ id: string; path: string }>) => {
      for (const link of links) {
        const before = await eventsOf(link.id);
        const res = await post(link.path, { password: 'a password of my own' });
        expect([res.status, res.body.code], link.path).to.deep.equal([400, 'token_invalid']);
        expect(await eventsOf(link.id)).to.equal(before);
      }
    };

    it('refuses an erased user\'s invitation and reset links as used ones, leaving the account closed and without a password', async () => {
      const invited = await invite('ivy@acme.example');
      const reset = await resetLinkOf('jules@acme.example');
      for (const id of [invited.id, reset.id]) {
        expect((await post(`/api/compliance/subjects/${id}/erase`, { reason: 'asked to be forgotten' }, admin)).status).to.equal(200);
      }
      await expectDead([invited, reset]);
      expect(directoryRow(invited.id)).to.deep.equal({ status: 'deactivated', passwordHash: '' });
      expect(directoryRow(reset.id)).to.deep.equal({ status: 'deactivated', passwordHash: '' });
    });

    it('refuses a link redeemed while its user is being erased, leaving the account closed, without a password and without the link\'s event', async () => {
      const invited = await invite('quinn@acme.example');
      const reset = await resetLinkOf('ruth@acme.example');
      for (const link of [invited, reset]) {
        const before = await eventsOf(link.id);
        // The erasure starts while the password is being hashed (a few hundred milliseconds).
        const [redeemed, erased] = await Promise.all([
          post(link.path, { password: 'a password of my own' }),
          post(`/api/compliance/subjects/${link.id}/erase`, { reason: 'asked to be forgotten' }, admin),
        ]);
        expect([redeemed.status, redeemed.body.code, erased.status], link.path).to.deep.equal([400, 'token_invalid', 200]);
        expect(await eventsOf(link.id)).to.equal(before);
        expect(directoryRow(link.id)).to.deep.equal({ status: 'deactivated', passwordHash: '' });
      }
    });

    it('refuses a deactivated user\'s invitation and reset links as used ones', async () => {
      const invited = await invite('kim@acme.example');
      const reset = await resetLinkOf('leo@acme.example');
      for (const id of [invited.id, reset.id]) {
        expect((await post(`/api/admin/users/${id}/deactivate`, { reason: 'left the company' }, admin)).status).to.equal(200);
      }
      await expectDead([invited, reset]);
      expect(directoryRow(invited.id)).to.include({ status: 'deactivated' });
    });
  });

  describe('rate limits on /api/public', () => {
    it('counts the links towards the strict per-IP limit of the sign-in and token endpoints (429)', async () => {
      const limited = await startTestServer({ RATE_LIMIT_AUTH_PER_IP: '2' });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++) statuses.push((await call(limited, 'POST', '/api/public/password-resets/guess', { body: { password: 'long enough password' } })).status);
        expect(statuses).to.deep.equal([400, 400, 429]);
      } finally {
        await limited.dispose();
      }
    });
  });
});
