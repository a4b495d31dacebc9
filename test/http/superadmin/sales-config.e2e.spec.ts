import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { call, tokenFor } from '../../support/http.js';
import { SALES_CONFIG_ID, SALES_CONFIG_TYPE } from '../../../src/events/sales/config.js';

const PATH = '/api/superadmin/sales-config';
const streamOf = (tenantId: string) => `${tenantId}/${SALES_CONFIG_TYPE}/${SALES_CONFIG_ID}`;

describe('/api/superadmin/sales-config', () => {
  let server: TestServer;
  let admin: string;
  before(async () => {
    server = await startTestServer();
    admin = await tokenFor(server, { tenantId: 'acme', actorId: 'user-admin', roles: ['tenant_admin'] });
  });
  after(async () => server.dispose());

  describe('GET /api/superadmin/sales-config', () => {
    it('answers the defaults to a tenant that never configured anything', async () => {
      const res = await call(server, 'GET', PATH, { token: admin });
      expect(res.status).to.equal(200);
      expect(res.body.pipelines[0].stages.map((s: { id: string; probability: number }) => [s.id, s.probability])).to.deep.equal([
        ['qualification', 10], ['needs_analysis', 20], ['proposal', 50], ['negotiation', 80],
      ]);
      expect(res.body).to.include({ defaultPipeline: 'default', defaultCurrency: 'EUR' });
      expect(res.headers.get('etag')).to.equal(null);
    });

    it('answers 403 to a role that is not a tenant admin', async () => {
      const rep = await tokenFor(server, { tenantId: 'acme', actorId: 'rep', roles: ['sales_rep'] });
      expect((await call(server, 'GET', PATH, { token: rep })).status).to.equal(403);
      expect((await call(server, 'PATCH', PATH, { token: rep, body: { currencies: ['EUR'] } })).status).to.equal(403);
    });
  });

  describe('PATCH and PUT /api/superadmin/sales-config', () => {
    it('takes effect at run time: a new stage is accepted by opportunities, a removed one refused (422)', async () => {
      const current = (await call(server, 'GET', PATH, { token: admin })).body;
      const stages = [{ id: 'discovery', name: 'Discovery', probability: 15 }, { id: 'closing', name: 'Closing', probability: 90 }];
      const patched = await call(server, 'PATCH', PATH, { token: admin, body: { pipelines: [{ ...current.pipelines[0], stages }] } });
      expect(patched.status).to.equal(200);
      expect(patched.body.revision).to.equal(0);
      const deal = await call(server, 'POST', '/sales/opportunities', { token: admin, body: { name: 'X', amount: { amount: 1000, currency: 'EUR' }, stage: 'closing' } });
      expect(deal.status).to.equal(201);
      const refused = await call(server, 'POST', '/sales/opportunities', { token: admin, body: { name: 'Y', stage: 'proposal' } });
      expect([refused.status, refused.body.code]).to.deep.equal([422, 'invalid_stage']);
      const other = await tokenFor(server, { tenantId: 'globex', actorId: 'g', roles: ['tenant_admin'] });
      expect((await call(server, 'POST', '/sales/opportunities', { token: other, body: { name: 'Z', stage: 'proposal' } })).status).to.equal(201);
    });

    it('takes If-Match (412 on a stale revision) and refuses invalid configurations (400 shape, 422 rule)', async () => {
      const { headers, body } = await call(server, 'GET', PATH, { token: admin });
      const etag = headers.get('etag')!;
      const ok = await call(server, 'PUT', PATH, { token: admin, body: { ...body, currencies: ['EUR', 'CHF'] }, headers: { 'If-Match': etag } });
      expect(ok.status).to.equal(200);
      const stale = await call(server, 'PUT', PATH, { token: admin, body, headers: { 'If-Match': etag } });
      expect(stale.status).to.equal(412);
      expect((await call(server, 'PATCH', PATH, { token: admin, body: { currencies: 'EUR' } })).status).to.equal(400);
      expect((await call(server, 'PATCH', PATH, { token: admin, body: { unknown: 1 } })).status).to.equal(400);
      const rule = await call(server, 'PATCH', PATH, { token: admin, body: { defaultPipeline: 'nowhere' } });
      expect([rule.status, rule.body.code]).to.deep.equal([422, 'invalid_sales_config']);
      const brace = await call(server, 'PATCH', PATH, { token: admin, body: { quoteNumbering: { prefix: 'Q-{year}-{', padding: 4 } } });
      expect([brace.status, brace.body.code, brace.body.problems]).to.deep.equal([
        422, 'invalid_sales_config', ['the quote numbering prefix has a { or } outside a placeholder ({year} is the only one)'],
      ]);
      expect((await call(server, 'GET', PATH, { token: admin })).body.quoteNumbering).to.deep.equal({ prefix: 'Q-{year}-', padding: 4 });
    });
    it('answers the sections a PUT left out as the defaults in effect, and a PUT of them again changes nothing', async () => {
      const tenant = await tokenFor(server, { tenantId: 'hooli', actorId: 'h', roles: ['tenant_admin'] });
      const defaults = (await call(server, 'GET', PATH, { token: tenant })).body;
      const { priceBook, leadScoring, contactRoles, forecast, ...required } = defaults;
      expect((await call(server, 'PUT', PATH, { token: tenant, body: required })).body.revision).to.equal(0);
      const read = await call(server, 'GET', PATH, { token: tenant });
      expect(read.body).to.deep.equal({ ...required, priceBook, leadScoring, contactRoles, forecast });
      const again = await call(server, 'PUT', PATH, { token: tenant, body: read.body });
      expect([again.status, again.body.revision]).to.deep.equal([200, 0]);
    });
  });

  describe('PUT and PATCH /api/superadmin/sales-config with If-None-Match: *', () => {
    it('lets one of two first writes through (200) and answers the other 412 with nothing appended', async () => {
      const tenant = await tokenFor(server, { tenantId: 'vandelay', actorId: 'v', roles: ['tenant_admin'] });
      const defaults = (await call(server, 'GET', PATH, { token: tenant })).body;
      const first = { 'If-None-Match': '*' };
      const [put, patch] = await Promise.all([
        call(server, 'PUT', PATH, { token: tenant, body: { ...defaults, currencies: ['EUR', 'CHF'] }, headers: first }),
        call(server, 'PATCH', PATH, { token: tenant, body: { currencies: ['EUR', 'JPY'] }, headers: first }),
      ]);
      expect([put.status, patch.status].sort()).to.deep.equal([200, 412]);
      const [winner, loser] = put.status === 200 ? [put, patch] : [patch, put];
      expect([winner.body.revision, winner.headers.get('etag')]).to.deep.equal([0, '"0"']);
      expect([loser.body.code, loser.body.currentRevision]).to.deep.equal(['precondition_failed', 0]);
      const events = await server.store.readStream(streamOf('vandelay'));
      expect(events).to.have.length(1);
      const kept = (await call(server, 'GET', PATH, { token: tenant })).body.currencies;
      expect(kept).to.deep.equal(winner === put ? ['EUR', 'CHF'] : ['EUR', 'JPY']);
    });

    it('answers 412 once the tenant has a configuration, appending nothing; a malformed or contradictory one is a 400', async () => {
      const tenant = await tokenFor(server, { tenantId: 'kramerica', actorId: 'k', roles: ['tenant_admin'] });
      const ok = await call(server, 'PATCH', PATH, { token: tenant, body: { currencies: ['EUR', 'CHF'] }, headers: { 'If-None-Match': '*' } });
      expect(ok.status).to.equal(200);
      const current = (await call(server, 'GET', PATH, { token: tenant })).body;
      const again = [
        await call(server, 'PATCH', PATH, { token: tenant, body: { currencies: ['EUR', 'USD'] }, headers: { 'If-None-Match': '*' } }),
        await call(server, 'PUT', PATH, { token: tenant, body: { ...current, currencies: ['EUR', 'USD'] }, headers: { 'If-None-Match': '*' } }),
      ];
      expect(again.map((r) => [r.status, r.body.code])).to.deep.equal([[412, 'precondition_failed'], [412, 'precondition_failed']]);
      const bad = [
        await call(server, 'PATCH', PATH, { token: tenant, body: { currencies: ['EUR', 'USD'] }, headers: { 'If-None-Match': '"0"' } }),
        await call(server, 'PATCH', PATH, { token: tenant, body: { currencies: ['EUR', 'USD'] }, headers: { 'If-None-Match': '*', 'If-Match': '"0"' } }),
      ];
      expect(bad.map((r) => [r.status, r.body.code])).to.deep.equal([[400, 'invalid_if_none_match'], [400, 'invalid_if_none_match']]);
      expect(await server.store.readStream(streamOf('kramerica'))).to.have.length(1);
      expect((await call(server, 'GET', PATH, { token: tenant })).body.currencies).to.deep.equal(['EUR', 'CHF']);
    });
  });

  describe('ISO 4217 currencies', () => {
    it('refuses a currency code that is not ISO 4217 with 422 invalid_sales_config naming it', async () => {
      const tenant = await tokenFor(server, { tenantId: 'pendant', actorId: 'p', roles: ['tenant_admin'] });
      const res = await call(server, 'PATCH', PATH, { token: tenant, body: { currencies: ['EUR', 'ZZZ'] } });
      expect([res.status, res.body.code, res.body.problems]).to.deep.equal([422, 'invalid_sales_config', ['currency ZZZ is not an ISO 4217 code']]);
      expect(await server.store.readStream(streamOf('pendant'))).to.deep.equal([]);
    });
  });

  describe('GET /api/superadmin/sales-config/history', () => {
    it('answers the configuration\'s events, by whom and when, for its readers and auditors; none for a tenant on the defaults; 403 otherwise', async () => {
      const res = await call(server, 'GET', `${PATH}/history`, { token: admin });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.data.length).to.be.at.least(2);
      expect(res.body.data.map((e: { revision: number }) => e.revision)).to.deep.equal(res.body.data.map((_: unknown, i: number) => i));
      expect(res.body.data[0]).to.include({ actorId: 'user-admin' });
      expect(res.body.data[0].data.config.pipelines[0].stages.map((s: { id: string }) => s.id)).to.deep.equal(['discovery', 'closing']);
      const auditor = await tokenFor(server, { tenantId: 'acme', actorId: 'aud', roles: ['auditor'] });
      expect((await call(server, 'GET', `${PATH}/history`, { token: auditor })).body.data).to.have.length(res.body.data.length);
      const rep = await tokenFor(server, { tenantId: 'acme', actorId: 'rep', roles: ['sales_rep'] });
      expect((await call(server, 'GET', `${PATH}/history`, { token: rep })).status).to.equal(403);
      const fresh = await tokenFor(server, { tenantId: 'initech', actorId: 'i', roles: ['tenant_admin'] });
      const none = await call(server, 'GET', `${PATH}/history`, { token: fresh });
      expect([none.status, none.body.data]).to.deep.equal([200, []]);
    });
  });
});
