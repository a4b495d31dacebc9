import { expect } from 'chai';
import http from 'node:http';
import { startAuthorization } from '../../support/oauth.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const ROOT = { email: 'root@example.com', password: 'correct horse battery staple' };
const PUBLIC_URL = 'https://crm.example.com';

/** A GET with the Host and other headers a client chose (fetch cannot name Host). */
const getWithHeaders = (server: TestServer, path: string, headers: Record<string, string>) =>
  new Promise<Record<string, unknown>>((resolve, reject) => {
    http.get(`${server.url}${path}`, { headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk)).on('end', () => resolve(JSON.parse(text))).on('error', reject);
    }).on('error', reject);
  });

describe('OAuth 2.0 authorization server behind a proxy (PUBLIC_URL https://crm.example.com)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ PUBLIC_URL, CRM_ADMIN_EMAIL: ROOT.email, CRM_ADMIN_PASSWORD: ROOT.password });
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
});
