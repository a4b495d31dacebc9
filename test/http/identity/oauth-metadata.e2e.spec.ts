import { expect } from 'chai';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { randomUUID } from 'node:crypto';
import { call } from '../../support/http.js';
import { CALLBACK, decodeJwt, signIn, startAuthorization } from '../../support/oauth.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const ROOT = { email: 'root@example.com', password: 'correct horse battery staple' };

/** A DPoP proof (RFC 9449) for a POST to `htu`, with the key pair it binds to. */
const dpopProof = async (htu: string) => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  return new SignJWT({ htm: 'POST', htu, jti: randomUUID(), iat: Math.floor(Date.now() / 1000) })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(publicKey) })
    .sign(privateKey);
};

describe('OAuth 2.0 authorization server: what it offers', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ CRM_ADMIN_EMAIL: ROOT.email, CRM_ADMIN_PASSWORD: ROOT.password });
  });
  after(async () => server.dispose());

  describe('GET /.well-known/oauth-authorization-server', () => {
    it('advertises exactly the flows, client authentications and scopes offered, and no DPoP', async () => {
      const { status, body } = await call(server, 'GET', '/.well-known/oauth-authorization-server');
      expect(status).to.equal(200);
      expect(body.grant_types_supported).to.have.members(['authorization_code', 'refresh_token', 'client_credentials']);
      expect(body.response_types_supported).to.deep.equal(['code']);
      expect(body.token_endpoint_auth_methods_supported).to.have.members(['client_secret_basic', 'none']);
      expect(body.scopes_supported).to.include('api');
      expect(body).not.to.have.any.keys('dpop_signing_alg_values_supported', 'token_endpoint_auth_signing_alg_values_supported');
    });
  });

  describe('POST /oauth/token with a DPoP proof', () => {
    it('ignores the proof: the token is a plain bearer token, as the API takes them', async () => {
      const auth = await startAuthorization(server);
      const code = new URL((await signIn(auth, ROOT.email, ROOT.password)).location!).searchParams.get('code')!;
      const res = await fetch(`${server.url}/oauth/token`, {
        method: 'POST', headers: { DPoP: await dpopProof(`${server.url}/oauth/token`) },
        body: new URLSearchParams({ client_id: 'crm-web', grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: auth.verifier }),
      });
      const body = (await res.json()) as Record<string, string>;
      expect([res.status, body.token_type]).to.deep.equal([200, 'Bearer']);
      expect(decodeJwt(body.access_token!).payload).not.to.have.property('cnf');
      expect((await call(server, 'GET', '/api/superadmin/organizations', { token: body.access_token })).status).to.equal(200);
    });
  });

  describe('GET /oauth/auth with a response type other than code', () => {
    it('refuses it at the callback (unsupported_response_type), before any sign-in', async () => {
      for (const responseType of ['id_token', 'code id_token', 'none']) {
        const auth = await startAuthorization(server, { response_type: responseType, scope: 'openid api', nonce: 'n-0S6_WzA2Mj' });
        expect(auth.page.location, responseType).to.match(/[?#&]error=unsupported_response_type/);
      }
    });
  });
});
