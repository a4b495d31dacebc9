import { expect } from 'chai';
import { SignJWT, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { API_AUDIENCE, TOKEN_TYPE } from '../../../src/access/tokens.js';
import { SIGNING_ALGORITHM } from '../../../src/access/signing-keys.js';
import { isPublicRoute, mountedRouters, routesOf, type MountedRoute } from '../../../src/http/openapi/routes.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { call } from '../../support/http.js';

/** Health, JWKS, the sign-in form (the rest of `/oauth` is oidc-provider's), documentation, metrics (own guard), invitation and reset links, web-form lead capture. */
const DOCUMENTED_PUBLIC = [
  'GET /health/live', 'GET /health/ready', 'GET /.well-known/jwks.json', 'GET /oauth/interaction/:uid', 'POST /oauth/interaction/:uid/login',
  'GET /metrics', 'GET /openapi.json', 'GET /docs', 'GET /docs/init.js', 'GET /docs/:asset', 'GET /redoc', 'GET /redoc/:asset',
  'POST /api/public/invitations/:token/accept', 'POST /api/public/password-resets/:token',
  'POST /api/public/forms/:formKey/leads',
];

const SAMPLE_PARAMS: Record<string, string> = { subjectId: '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f' };

/** A concrete URL for a route template (any value: authentication comes before the lookup). */
const urlOf = (path: string): string => path.replace(/:(\w+)/g, (_m, name: string) => SAMPLE_PARAMS[name] ?? `inventory-${name}`);

const claims = (server: TestServer): JWTPayload => ({ tid: 'acme', roles: ['tenant_admin'], client_id: 'test-client', sub: 'user-admin', iss: server.config.publicUrl, aud: API_AUDIENCE });

/** A token as the server signs them, but with `changes` to its claims or a key of its own. */
const forged = async (server: TestServer, changes: JWTPayload, key?: CryptoKey): Promise<string> => {
  const current = server.signingKeys.current();
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iat: now, exp: now + 600, ...claims(server), ...changes })
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, typ: TOKEN_TYPE, kid: current.kid })
    .sign(key ?? current.privateKey);
};

const unsigned = (server: TestServer): string => {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none', typ: TOKEN_TYPE })}.${part({ ...claims(server), iat: now, exp: now + 600 })}.`;
};

describe('route inventory: authentication on every route', () => {
  let server: TestServer;
  let protectedRoutes: MountedRoute[];
  before(async () => {
    server = await startTestServer();
    protectedRoutes = routesOf(mountedRouters(server.app)).filter((r) => !isPublicRoute(r.path));
  });
  after(async () => server.dispose());

  it('finds the routes of every module, and exactly the documented public ones (a new public route is a deliberate change here)', () => {
    const publicRoutes = routesOf(mountedRouters(server.app)).filter((r) => isPublicRoute(r.path)).map((r) => `${r.method} ${r.path}`);
    expect(protectedRoutes.length).to.be.greaterThan(20);
    expect(publicRoutes.sort()).to.deep.equal(DOCUMENTED_PUBLIC.sort());
  });

  it('answers 401 with WWW-Authenticate without a token on every other route', async () => {
    const failures: string[] = [];
    for (const { method, path } of protectedRoutes) {
      const res = await call(server, method, urlOf(path));
      if (res.status !== 401 || !/^Bearer realm="crm"/.test(res.headers.get('www-authenticate') ?? '')) failures.push(`${method} ${path}: ${res.status}`);
    }
    expect(failures).to.deep.equal([]);
  });

  it('refuses tokens signed with none, another key, for another audience or expired (401 invalid_token) on every such route', async () => {
    const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM);
    const now = Math.floor(Date.now() / 1000);
    const tokens = {
      none: unsigned(server),
      'another key': await forged(server, {}, privateKey),
      'another audience': await forged(server, { aud: 'another-api' }),
      'another issuer': await forged(server, { iss: 'https://elsewhere.example' }),
      expired: await forged(server, { iat: now - 3600, exp: now - 60 }),
    };
    const failures: string[] = [];
    for (const [label, token] of Object.entries(tokens)) {
      for (const { method, path } of protectedRoutes) {
        const res = await call(server, method, urlOf(path), { token });
        if (res.status !== 401 || !(res.headers.get('www-authenticate') ?? '').includes('error="invalid_token"')) failures.push(`${label}: ${method} ${path}: ${res.status}`);
      }
    }
    expect(failures).to.deep.equal([]);
  });

  it('refuses a query parameter no route reads (400 invalid_query): a write before it runs, appending nothing; a read instead of its answer', async () => {
    const token = await forged(server, {});
    const head = await server.store.headPosition();
    const failures: string[] = [];
    for (const { method, path } of protectedRoutes) {
      const res = await call(server, method, `${urlOf(path)}?dryRun=true`, { token, body: method === 'GET' ? undefined : {} });
      const refused = res.status === 400 && res.body.code === 'invalid_query';
      // A read may refuse for its own reasons first (403, 404); it never answers with the parameter ignored.
      if (method === 'GET' ? res.status < 300 : !refused) failures.push(`${method} ${path}: ${res.status} ${res.body?.code ?? ''}`);
    }
    expect(failures).to.deep.equal([]);
    expect(await server.store.headPosition()).to.equal(head);
    const contacts = await call(server, 'GET', '/sales/contacts?limit=1', { token });
    expect(contacts.status).to.equal(200);
  });

  it('accepts a token the server signed, as the control of the refusals above', async () => {
    const res = await call(server, 'GET', '/sales/contacts', { token: await forged(server, {}) });
    expect(res.status).to.equal(200);
  });
});
