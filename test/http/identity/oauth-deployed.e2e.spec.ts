import { expect } from 'chai';
import http from 'node:http';
import { startAuthorization } from '../../support/oauth.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const ROOT = { email: 'root@example.com', password: 'correct horse battery staple' };
const PUBLIC_URL = 'https://crm.example.com';
const APP = 'https://app.example.com';

/** A CORS preflight for a POST to `path` from `origin`: its status and Access-Control-Allow-Origin. */
const preflight = async (server: TestServer, path: string, origin: string) => {
  const res = await fetch(`${server.url}${path}`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } });
  return [res.status, res.headers.get('access-control-allow-origin')];
};

/** A GET with the Host and other headers a client chose (fetch cannot name Host). */
const getWithHeaders = (server: TestServer, path: string, headers: Record<string, string>) =>
  new Promise<Record<string, unknown>>((resolve, reject) => {
    http.get(`${server.url}${path}`, { headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk)).on('end', () => resolve(JSON.parse(text))).on('error', reject);
    }).on('error', reject);
  });

describe('OAuth 2.0 authorization server as deployed (PUBLIC_URL https://crm.example.com, CRM_CORS_ORIGINS https://app.example.com)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ PUBLIC_URL, CRM_CORS_ORIGINS: APP, CRM_ADMIN_EMAIL: ROOT.email, CRM_ADMIN_PASSWORD: ROOT.password });
  });
  after(async () => server.dispose());

  describe('GET /.well-known/oauth-authorization-server', () => {
    it('lists every endpoint under PUBLIC_URL, whatever Host or X-Forwarded-* the request names', async () => {
      const spoofs: Record<string, string>[] = [{ Host: 'evil.example' }, { 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'http' }];
      for (const headers of spoofs) {
        const metadata = await getWithHeaders(server, '/.well-known/oauth-authorization-server', headers);
        expect(metadata.issuer).to.equal(PUBLIC_URL);
        const endpoints = Object.entries(metadata).filter(([name]) => /_(endpoint|uri)$/.test(name));
        expect(endpoints.map(([name]) => name)).to.include.members(['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'revocation_endpoint']);
        for (const [name, url] of endpoints) expect(url, name).to.match(/^https:\/\/crm\.example\.com\/oauth\//);
      }
    });
  });

  describe('POST /oauth/interaction/:uid/login', () => {
    it('sends the signed-in browser back to the authorization endpoint under PUBLIC_URL, not the Host it used', async () => {
      const auth = await startAuthorization(server);
      const signedIn = await auth.browser.submit(auth.page, { email: ROOT.email, password: ROOT.password });
      expect(signedIn.status).to.equal(303);
      expect(signedIn.location).to.match(/^https:\/\/crm\.example\.com\/oauth\/auth\/[\w-]+$/);
    });
  });

  describe('CORS of POST /oauth/token and /oauth/token/revocation', () => {
    it('answers the preflights of the allow-list only, and no other origin (no header: the browser refuses)', async () => {
      for (const path of ['/oauth/token', '/oauth/token/revocation']) {
        expect(await preflight(server, path, APP), path).to.deep.equal([204, APP]);
        expect(await preflight(server, path, 'https://evil.example'), path).to.deep.equal([204, null]);
      }
    });

    it("refuses a call from an origin off the allow-list (no CORS header), and takes one from its own or a listed origin", async () => {
      const refresh = async (origin: string) => {
        const res = await fetch(`${server.url}/oauth/token`, {
          method: 'POST', headers: { Origin: origin },
          body: new URLSearchParams({ client_id: 'crm-web', grant_type: 'refresh_token', refresh_token: 'unknown' }),
        });
        return [((await res.json()) as { error: string }).error, res.headers.get('access-control-allow-origin')];
      };
      expect(await refresh('https://evil.example')).to.deep.equal(['invalid_request', null]);
      expect(await refresh(PUBLIC_URL)).to.deep.equal(['invalid_grant', PUBLIC_URL]);
      expect(await refresh(APP)).to.deep.equal(['invalid_grant', APP]);
    });

    it('keeps the metadata and the JWKS open to any origin', async () => {
      for (const path of ['/.well-known/oauth-authorization-server', '/oauth/jwks']) {
        const res = await fetch(`${server.url}${path}`, { headers: { Origin: 'https://evil.example' } });
        expect(res.status, path).to.equal(200);
        expect(res.headers.get('access-control-allow-origin'), path).to.be.oneOf(['*', 'https://evil.example']);
      }
    });
  });
});
