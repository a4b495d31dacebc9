import { expect } from 'chai';
import { networkInterfaces } from 'node:os';
import { startTestServer, type TestServer } from '../../support/server.js';
import { call, tokenFor } from '../../support/http.js';

const scrape = async (url: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${url}/metrics`, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
};

/** An address of this host that is not loopback, if it has one. */
const externalAddress = (): string | undefined =>
  Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

describe('GET /metrics', () => {
  describe('without METRICS_TOKEN', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer();
    });
    after(async () => server.dispose());

    it('reports request durations by method, route template and status; append latency; projection lag; process metrics', async () => {
      const token = await tokenFor(server, { tenantId: 'acme', actorId: 'user-admin', roles: ['tenant_admin'] });
      const created = await call(server, 'POST', '/sales/contacts', { token, body: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' } });
      await call(server, 'GET', `/sales/contacts/${created.body.id}`, { token });
      await call(server, 'GET', '/no/such/path');
      await call(server, 'GET', `/sales/contacts/${created.body.id}`);
      await fetch(`${server.url}/oauth/TOKEN`, { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', client_id: 'crm-web' }) });
      await fetch(`${server.url}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', client_id: 'crm-web' }) });
      const res = await scrape(server.url);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/plain/);
      expect(res.text).to.match(/crm_http_request_duration_seconds_count\{method="GET",route="\/sales\/contacts\/:id",status="200"\} 1/);
      expect(res.text).to.match(/crm_http_request_duration_seconds_count\{method="POST",route="\/sales\/contacts",status="201"\} 1/);
      expect(res.text).to.match(/crm_http_request_duration_seconds_count\{method="GET",route="\(unmatched\)",status="404"\} 1/);
      expect(res.text).to.match(/crm_http_request_duration_seconds_count\{method="POST",route="\/oauth\/token",status="400"\} 2/);
      expect(res.text).to.match(/crm_http_request_duration_seconds_count\{method="GET",route="\(before route\)",status="401"\} 1/);
      expect(res.text).not.to.contain(created.body.id);
      expect(res.text).to.match(/crm_event_store_append_duration_seconds_count\{outcome="ok"\} [1-9]/);
      expect(res.text).to.match(/crm_projection_lag_events\{projection="[^"]+"\} \d+/);
      expect(res.text).to.match(/crm_projection_failed\{projection="sales.contact"\} 0/);
      expect(res.text).to.contain('process_cpu_user_seconds_total');
      expect(res.text).to.contain('nodejs_eventloop_lag_seconds');
    });

    it('refuses a caller that is not on loopback (403)', async function () {
      const address = externalAddress();
      if (!address) this.skip();
      const res = await scrape(`http://${address}:${server.port}`);
      expect(res.status).to.equal(403);
      expect(JSON.parse(res.text).code).to.equal('metrics_forbidden');
    });
  });

  describe('with METRICS_TOKEN', () => {
    const METRICS_TOKEN = 'scrape-me-0123456789abcdef';
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ METRICS_TOKEN });
    });
    after(async () => server.dispose());

    it('needs Authorization: Bearer <METRICS_TOKEN>, from loopback too (401 with WWW-Authenticate otherwise)', async () => {
      const none = await scrape(server.url);
      expect(none.status).to.equal(401);
      expect(none.headers.get('www-authenticate')).to.match(/^Bearer/);
      expect((await scrape(server.url, { Authorization: 'Bearer not-the-metrics-token' })).status).to.equal(401);
      const access = await tokenFor(server, { tenantId: 'acme', actorId: 'user-admin', roles: ['tenant_admin'] });
      expect((await scrape(server.url, { Authorization: `Bearer ${access}` })).status).to.equal(401);
      expect((await scrape(server.url, { Authorization: `Bearer ${METRICS_TOKEN}` })).status).to.equal(200);
    });
  });
});
