import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { call, tokenFor } from '../../support/http.js';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example.net';

describe('CORS (CRM_CORS_ORIGINS)', () => {
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startTestServer({ CRM_CORS_ORIGINS: `${APP}, http://localhost:5173` });
    token = await tokenFor(server, { tenantId: 'acme', actorId: 'user-admin', roles: ['tenant_admin'] });
  });
  after(async () => server.dispose());

  const preflight = (origin: string) => fetch(`${server.url}/sales/contacts`, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type, idempotency-key' },
  });

  describe('a preflight', () => {
    it('is answered 204 for an allowed origin, echoing it (never *), without credentials and without a token', async () => {
      const res = await preflight(APP);
      expect(res.status).to.equal(204);
      expect(res.headers.get('access-control-allow-origin')).to.equal(APP);
      expect(res.headers.get('access-control-allow-methods')).to.contain('PATCH');
      expect(res.headers.get('access-control-allow-headers')).to.match(/Authorization/i).and.match(/Idempotency-Key/i);
      expect(res.headers.get('access-control-allow-credentials')).to.equal(null);
      expect(res.headers.get('vary')).to.match(/Origin/);
    });

    it('carries no CORS header for an origin not on the list', async () => {
      const res = await preflight(EVIL);
      expect(res.headers.get('access-control-allow-origin')).to.equal(null);
      expect(res.headers.get('access-control-allow-methods')).to.equal(null);
    });
  });

  describe('GET /.well-known/jwks.json', () => {
    it('is open to any origin (public keys)', async () => {
      const res = await fetch(`${server.url}/.well-known/jwks.json`, { headers: { Origin: EVIL } });
      expect(res.headers.get('access-control-allow-origin')).to.equal('*');
    });
  });

  describe('an actual request', () => {
    it('exposes Location, ETag, the request id, Idempotent-Replayed and Allow to an allowed origin', async () => {
      const res = await call(server, 'POST', '/sales/contacts', {
        token, headers: { Origin: APP }, body: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' },
      });
      expect(res.status).to.equal(201);
      expect(res.headers.get('access-control-allow-origin')).to.equal(APP);
      expect(res.headers.get('access-control-expose-headers')).to.contain('Location').and.contain('ETag').and.contain('X-Request-Id').and.contain('Idempotent-Replayed').and.contain('Allow');
    });

    it('keeps the CORS headers on a problem answer (401), so the browser can read it', async () => {
      const res = await call(server, 'GET', '/sales/contacts', { headers: { Origin: APP } });
      expect(res.status).to.equal(401);
      expect(res.headers.get('access-control-allow-origin')).to.equal(APP);
    });

    it('answers a disallowed origin without any CORS header', async () => {
      const res = await call(server, 'GET', '/sales/contacts', { token, headers: { Origin: EVIL } });
      expect(res.status).to.equal(200);
      expect([...res.headers.keys()].filter((h) => h.startsWith('access-control-'))).to.deep.equal([]);
    });
  });

  it('sends no CORS header at all when the list is empty', async () => {
    const bare = await startTestServer();
    try {
      const res = await fetch(`${bare.url}/sales/contacts`, { method: 'OPTIONS', headers: { Origin: APP, 'Access-Control-Request-Method': 'GET' } });
      expect(res.headers.get('access-control-allow-origin')).to.equal(null);
    } finally {
      await bare.dispose();
    }
  });
});
