import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { call, tokenFor } from '../../support/http.js';
import { apiStatus, CALLBACK, decodeJwt, expectRevoked, logIn, signIn, startAuthorization, tokenRequest } from '../../support/oauth.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { createUserIn, PASSWORD } from '../../support/tenant.js';
import type { Page } from '../../support/browser.js';

const ROOT = { email: 'root@example.com', password: 'correct horse battery staple' };
const ADMIN = { email: 'ada@acme.example', password: 'analytical engine 1843', name: 'Ada Lovelace' };

describe('OAuth 2.0 authorization server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ CRM_ADMIN_EMAIL: ROOT.email, CRM_ADMIN_PASSWORD: ROOT.password });
    const platform = await tokenFor(server, { tenantId: 'platform', actorId: 'root', roles: ['platform_admin'] });
    const created = await call(server, 'POST', '/api/superadmin/organizations', { token: platform, body: { name: 'Acme', slug: 'acme', admin: ADMIN } });
    expect(created.status).to.equal(201);
  });
  after(async () => server.dispose());

  describe('GET /.well-known/oauth-authorization-server', () => {
    it('lists the endpoints under the issuer PUBLIC_URL, with S256 the only PKCE method', async () => {
      const res = await call(server, 'GET', '/.well-known/oauth-authorization-server');
      expect(res.status).to.equal(200);
      expect(res.body.issuer).to.equal(server.config.publicUrl);
      expect(res.body.authorization_endpoint).to.equal(`${server.url}/oauth/auth`);
      expect(res.body.token_endpoint).to.equal(`${server.url}/oauth/token`);
      expect(res.body.revocation_endpoint).to.equal(`${server.url}/oauth/token/revocation`);
      expect(res.body.jwks_uri).to.equal(`${server.url}/oauth/jwks`);
      expect(res.body.code_challenge_methods_supported).to.deep.equal(['S256']);
      const jwks = await call(server, 'GET', '/oauth/jwks');
      expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).to.include(server.signingKeys.current().kid);
      expect(jwks.body.keys.every((k: { d?: string }) => k.d === undefined)).to.equal(true);
    });
  });

  describe('paths and methods the provider does not serve', () => {
    it('answer 404 and 405 (with Allow) problems, not plain text', async () => {
      for (const [method, path, status, allow] of [
        ['GET', '/oauth/me', 404, null], ['GET', '/oauth/nope/deeper', 404, null], ['PUT', '/oauth/token', 405, 'POST'],
        ['POST', '/oauth/auth', 405, 'GET'], ['GET', '/oauth/session/end/confirm', 405, 'POST'],
        ['DELETE', '/.well-known/oauth-authorization-server', 405, 'GET'],
      ] as const) {
        const res = await fetch(`${server.url}${path}`, { method });
        expect([res.status, res.headers.get('content-type'), res.headers.get('allow')], `${method} ${path}`)
          .to.deep.equal([status, 'application/problem+json', allow]);
      }
    });
  });

  describe('the endpoints the metadata lists', () => {
    it('are all served (never a 404), with the methods they take', async () => {
      const metadata = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
      const methods: Record<string, string> = {
        authorization_endpoint: 'GET', token_endpoint: 'POST', revocation_endpoint: 'POST', pushed_authorization_request_endpoint: 'POST',
        end_session_endpoint: 'GET', jwks_uri: 'GET',
      };
      const listed = Object.keys(metadata).filter((name) => /_(endpoint|uri)$/.test(name) && typeof metadata[name] === 'string' && String(metadata[name]).includes('/oauth/'));
      expect(listed).to.include.members(Object.keys(methods));
      for (const name of listed) {
        const res = await fetch(String(metadata[name]).replace(server.config.publicUrl, server.url), { method: methods[name] ?? 'GET', redirect: 'manual' });
        expect(res.status, `${name} ${String(metadata[name])}`).not.to.be.oneOf([404, 405]);
      }
    });
  });

  describe('GET /oauth/session/end', () => {
    it("answers its auto-submitting page with a CSP that lets exactly that inline script run", async () => {
      const res = await fetch(`${server.url}/oauth/session/end`);
      expect(res.status).to.equal(200);
      const html = await res.text();
      const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1];
      expect(script, html).to.be.a('string');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).to.match(/default-src 'none'/).and.match(/frame-ancestors 'none'/);
      expect(csp).to.contain(`'sha256-${createHash('sha256').update(script!).digest('base64')}'`);
    });
  });

  describe('GET /oauth/auth → login form → callback → POST /oauth/token', () => {
    it('answers a login form with email, password and hidden fields carrying the request', async () => {
      const { page } = await startAuthorization(server);
      expect(page.status).to.equal(200);
      expect(page.headers.get('content-type')).to.match(/^text\/html/);
      for (const name of ['email', 'password', 'uid', 'csrf']) expect(page.html).to.match(new RegExp(`name="${name}"`));
    });

    it('lands on the redirect URI with code and state, and the code buys a token the API accepts', async () => {
      const auth = await startAuthorization(server);
      const landed = await signIn(auth, ADMIN.email, ADMIN.password);
      const callback = new URL(landed.location!);
      expect(`${callback.origin}${callback.pathname}`).to.equal(CALLBACK);
      expect(callback.searchParams.get('state')).to.equal('xyz-state');
      const code = callback.searchParams.get('code')!;
      const tokens = await tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: auth.verifier });
      expect(tokens.status).to.equal(200);
      expect(tokens.body.token_type).to.equal('Bearer');
      expect(tokens.body.refresh_token).to.be.a('string');
      const { header, payload } = decodeJwt(tokens.body.access_token!);
      expect(header).to.include({ alg: 'ES256', typ: 'at+jwt' });
      expect(payload).to.include({ iss: server.config.publicUrl, aud: 'crm-api', tid: 'acme', client_id: 'crm-web' });
      expect(payload.roles).to.deep.equal(['tenant_admin']);
      expect(payload.grant_id, 'the grant it was issued under').to.be.a('string').with.length.greaterThan(10);
      const body = { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.org' };
      const created = await call(server, 'POST', '/sales/contacts', { token: tokens.body.access_token, body });
      expect(created.status).to.equal(201);
      const read = await call(server, 'GET', `/sales/contacts/${created.body.id}`, {
        token: tokens.body.access_token, headers: { 'Consistency-Position': String(created.body.position) },
      });
      expect(read.status).to.equal(200);
      expect(read.body.email).to.equal('grace@example.org');
    });

    it('accepts any port on the loopback callback but no other redirect URI', async () => {
      const other = await startAuthorization(server, { redirect_uri: 'http://127.0.0.1:61234/callback' });
      expect(other.page.status).to.equal(200);
      for (const redirect of ['http://localhost:5555/callback', 'http://127.0.0.1:5555/callback/', 'https://evil.example/callback']) {
        const refused = await startAuthorization(server, { redirect_uri: redirect });
        expect(refused.page.status, redirect).to.equal(400);
        expect(refused.page.location, redirect).to.equal(undefined);
      }
    });

    it('refuses plain PKCE and a request without a challenge (error sent to the callback, no login)', async () => {
      const cases: Record<string, string>[] = [{ code_challenge_method: 'plain' }, { code_challenge: '', code_challenge_method: '' }];
      for (const query of cases) {
        const { page } = await startAuthorization(server, query);
        expect(page.status).to.equal(303);
        const callback = new URL(page.location!);
        expect(callback.searchParams.get('error')).to.equal('invalid_request');
        expect(callback.searchParams.get('code')).to.equal(null);
      }
    });

    it('refuses a code redeemed with the wrong verifier', async () => {
      const first = await logIn(server, ADMIN.email, ADMIN.password);
      const auth = await startAuthorization(server);
      const code = new URL((await signIn(auth, ADMIN.email, ADMIN.password)).location!).searchParams.get('code')!;
      const res = await tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: first.verifier });
      expect(res.status).to.equal(400);
      expect(res.body.error).to.equal('invalid_grant');
    });

    it('refuses a code redeemed twice, and the second redemption revokes what the first issued, its access token included', async () => {
      const first = await logIn(server, ADMIN.email, ADMIN.password);
      const other = await logIn(server, ADMIN.email, ADMIN.password);
      expect(first.status).to.equal(200);
      expect(await apiStatus(server, first.body.access_token)).to.equal(200);
      const again = await tokenRequest(server, { grant_type: 'authorization_code', code: first.code, redirect_uri: CALLBACK, code_verifier: first.verifier });
      expect(again.status).to.equal(400);
      expect(again.body.error).to.equal('invalid_grant');
      const refresh = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token! });
      expect(refresh.status).to.equal(400);
      expect(refresh.body.error).to.equal('invalid_grant');
      await expectRevoked(server, first.body.access_token);
      expect(await apiStatus(server, other.body.access_token), 'another grant').to.equal(200);
    });
  });

  describe('GET /oauth/auth with scope openid', () => {
    it('completes without a consent screen (a first-party client) and answers an ID token beside the access token', async () => {
      const auth = await startAuthorization(server, { scope: 'openid api' });
      const landed = await signIn(auth, ADMIN.email, ADMIN.password);
      const code = new URL(landed.location!).searchParams.get('code');
      expect(code, landed.html.slice(0, 200)).to.be.a('string');
      const tokens = await tokenRequest(server, { grant_type: 'authorization_code', code: code!, redirect_uri: CALLBACK, code_verifier: auth.verifier });
      expect(tokens.status).to.equal(200);
      expect(decodeJwt(tokens.body.id_token!).payload).to.include({ iss: server.config.publicUrl, aud: 'crm-web' });
      expect((await call(server, 'GET', '/sales/contacts', { token: tokens.body.access_token })).status).to.equal(200);
    });
  });

  describe('POST /oauth/token (refresh_token)', () => {
    it('rotates the refresh token; reusing an old one revokes the whole family, access tokens included', async () => {
      const { body } = await logIn(server, ADMIN.email, ADMIN.password);
      const other = await logIn(server, ADMIN.email, ADMIN.password);
      const rotated = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: body.refresh_token! });
      expect(rotated.status).to.equal(200);
      expect(rotated.body.refresh_token).to.be.a('string').and.not.equal(body.refresh_token);
      expect(decodeJwt(rotated.body.access_token!).payload.tid).to.equal('acme');
      const reused = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: body.refresh_token! });
      expect(reused.status).to.equal(400);
      expect(reused.body.error).to.equal('invalid_grant');
      const successor = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: rotated.body.refresh_token! });
      expect(successor.status).to.equal(400);
      await expectRevoked(server, body.access_token);
      await expectRevoked(server, rotated.body.access_token);
      expect(await apiStatus(server, other.body.access_token), 'another grant').to.equal(200);
    });
  });

  describe('POST /oauth/token/revocation', () => {
    it('revokes a refresh token (RFC 7009), and with it its grant\'s access tokens', async () => {
      const { body } = await logIn(server, ADMIN.email, ADMIN.password);
      const other = await logIn(server, ADMIN.email, ADMIN.password);
      expect(await apiStatus(server, body.access_token)).to.equal(200);
      const res = await fetch(`${server.url}/oauth/token/revocation`, {
        method: 'POST', body: new URLSearchParams({ client_id: 'crm-web', token: body.refresh_token!, token_type_hint: 'refresh_token' }),
      });
      expect(res.status).to.equal(200);
      const refresh = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: body.refresh_token! });
      expect(refresh.body.error).to.equal('invalid_grant');
      await expectRevoked(server, body.access_token);
      expect(await apiStatus(server, other.body.access_token), 'another grant').to.equal(200);
    });
  });

  describe('POST /oauth/interaction/:uid/login', () => {
    it('re-shows the form with one error for a wrong password, then slows that account down (429)', async () => {
      const wrong = await signIn(await startAuthorization(server), ROOT.email, 'not the password');
      expect(wrong.status).to.equal(401);
      expect(wrong.location).to.equal(undefined);
      expect(wrong.html).to.match(/name="password"/).and.match(/email or password is not correct/);
      const soon = await signIn(await startAuthorization(server), ROOT.email, ROOT.password);
      expect(soon.status).to.equal(429);
      expect(Number(soon.headers.get('retry-after'))).to.be.greaterThan(0);
      expect(soon.location).to.equal(undefined);
    });

    it('answers an unknown email exactly as a wrong password (no user enumeration), backoff included', async () => {
      const unknown = await signIn(await startAuthorization(server), 'nobody@example.com', 'whatever password');
      expect(unknown.status).to.equal(401);
      expect(unknown.html).to.match(/email or password is not correct/);
      const again = await signIn(await startAuthorization(server), 'nobody@example.com', 'whatever password');
      expect([again.status, again.headers.get('retry-after')]).to.deep.equal([429, '1']);
    });

    describe('backoff per account and address', function () {
      this.timeout(90_000); // dozens of scrypt checks, and waits of seconds
      const signInFrom = async (from: string, email: string, password: string) => signIn(await startAuthorization(server, {}, from), email, password);
      const throttle = (page: Page) => [page.status, page.headers.get('retry-after')];
      before(async () => {
        const admin = (await logIn(server, ADMIN.email, ADMIN.password)).body.access_token!;
        for (const name of ['carol', 'dave']) await createUserIn(server, admin, `${name}@acme.example`, ['sales_rep']);
      });

      it("doubles the failing address's wait (Retry-After 1, 2, 4 s), the right password included, while the owner signs in from another", async () => {
        const answers: unknown[] = [];
        for (const seconds of [1, 2, 4]) {
          expect((await signInFrom('127.0.0.2', 'carol@acme.example', 'a guess')).status).to.equal(401);
          const refused = await signInFrom('127.0.0.2', 'carol@acme.example', PASSWORD);
          answers.push(throttle(refused));
          expect(refused.location).to.equal(undefined);
          await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        }
        expect(answers).to.deep.equal([[429, '1'], [429, '2'], [429, '4']]);
        expect((await signInFrom('127.0.0.2', 'carol@acme.example', 'a guess')).status).to.equal(401);
        const owner = await signInFrom('127.0.0.3', 'carol@acme.example', PASSWORD);
        expect(new URL(owner.location ?? 'http://none/').searchParams.get('code'), owner.html).to.be.a('string');
        expect(throttle(await signInFrom('127.0.0.2', 'carol@acme.example', PASSWORD))[0]).to.equal(429);
      });

      it('checks one attempt of an address on an account at a time: parallel ones wait (429) rather than outrun the count', async () => {
        const forms = await Promise.all([1, 2, 3, 4].map(() => startAuthorization(server, {}, '127.0.0.4')));
        const answers = await Promise.all(forms.map((form, i) => signIn(form, 'carol@acme.example', `guess ${i}`)));
        expect(answers.map((page) => page.status).sort()).to.deep.equal([401, 429, 429, 429]);
      });

      it('slows failures spread over many addresses past 20 on the account, yet lets a new address with the right password in', async () => {
        const forms = await Promise.all(Array.from({ length: 23 }, (_, i) => startAuthorization(server, {}, `127.0.1.${i + 1}`)));
        for (let i = 0; i < forms.length; i += 2) { // two at a time: the machine's cores
          const failed = await Promise.all(forms.slice(i, i + 2).map((form) => signIn(form, 'dave@acme.example', 'a guess')));
          for (const page of failed) expect(page.status).to.equal(401);
        }
        expect((await signInFrom('127.0.1.24', 'dave@acme.example', 'a guess')).status).to.equal(401);
        // the 24th failure on the account: 2^3 s, where one failure of that address alone waits 1 s
        expect(throttle(await signInFrom('127.0.1.24', 'dave@acme.example', PASSWORD))).to.deep.equal([429, '8']);
        const owner = await signInFrom('127.0.1.100', 'dave@acme.example', PASSWORD);
        expect(new URL(owner.location ?? 'http://none/').searchParams.get('code'), owner.html).to.be.a('string');
      });
    });

    it('refuses a post without the CSRF token', async () => {
      const auth = await startAuthorization(server);
      const res = await auth.browser.submit({ ...auth.page, html: auth.page.html.replace(/name="csrf" value="[^"]*"/, 'name="csrf" value=""') }, {
        email: ADMIN.email, password: ADMIN.password,
      });
      expect(res.status).to.equal(403);
      expect(res.location).to.equal(undefined);
    });
  });

  describe('suspended organization', () => {
    it('refuses its users at login and their existing tokens at the API (403 organization_suspended)', async () => {
      const platform = await tokenFor(server, { tenantId: 'platform', actorId: 'root', roles: ['platform_admin'] });
      const user = { email: 'bob@initech.example', password: 'tps reports 1999', name: 'Bob' };
      expect((await call(server, 'POST', '/api/superadmin/organizations', { token: platform, body: { name: 'Initech', slug: 'initech', admin: user } })).status).to.equal(201);
      const { body } = await logIn(server, user.email, user.password);
      expect((await call(server, 'GET', '/sales/contacts', { token: body.access_token })).status).to.equal(200);
      const suspended = await call(server, 'POST', '/api/superadmin/organizations/initech/suspend', { token: platform, body: { reason: 'unpaid invoices' } });
      expect(suspended.status).to.equal(200);
      const refused = await call(server, 'GET', '/sales/contacts', { token: body.access_token });
      expect(refused.status).to.equal(403);
      expect(refused.body.code).to.equal('organization_suspended');
      const login = await signIn(await startAuthorization(server), user.email, user.password);
      expect(login.status).to.equal(403);
      expect(login.html).to.match(/organization is suspended/);
      expect((await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: body.refresh_token! })).body.error).to.equal('invalid_grant');
      await call(server, 'POST', '/api/superadmin/organizations/initech/reactivate', { token: platform });
      expect((await call(server, 'GET', '/sales/contacts', { token: body.access_token })).status).to.equal(200);
    });

    it('asks a browser signed in before the suspension to sign in again, and refuses it there (never a 500)', async () => {
      const platform = await tokenFor(server, { tenantId: 'platform', actorId: 'root', roles: ['platform_admin'] });
      const user = { email: 'peter@initrode.example', password: 'tps reports 2001', name: 'Peter' };
      expect((await call(server, 'POST', '/api/superadmin/organizations', { token: platform, body: { name: 'Initrode', slug: 'initrode', admin: user } })).status).to.equal(201);
      const auth = await startAuthorization(server);
      expect((await signIn(auth, user.email, user.password)).location).to.match(/code=/);
      expect((await call(server, 'POST', '/api/superadmin/organizations/initrode/suspend', { token: platform, body: { reason: 'unpaid invoices' } })).status).to.equal(200);
      const again = await auth.browser.follow(await auth.browser.send(`/oauth/auth?${new URLSearchParams(auth.query)}`), CALLBACK);
      expect(again.status).to.equal(200);
      expect(again.html).to.match(/name="password"/);
      const refused = await signIn({ ...auth, page: again }, user.email, user.password);
      expect([refused.status, refused.location]).to.deep.equal([403, undefined]);
      expect(refused.html).to.match(/organization is suspended/);
    });
  });
});
