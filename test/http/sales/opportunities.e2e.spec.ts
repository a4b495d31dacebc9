import { expect } from 'chai';
import { tokenFor } from '../../support/http.js';
import { expectReasonRequired, salesSession } from './session.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });

describe('/sales/opportunities', () => {
  const session = salesSession();
  const { server, admin, globex, send, get, head } = session;
  const create = async (body: object = {}) => (await send('POST', '/sales/opportunities', { name: 'Deal', amount: eur(100_000), ...body })).body.id as string;

  describe('POST /sales/opportunities', () => {
    it('answers 201; the read shows the stage, its probability and the weighted amount', async () => {
      const res = await send('POST', '/sales/opportunities', { name: 'Big deal', amount: eur(200_000), stage: 'proposal', expectedCloseDate: '2026-12-31' });
      expect(res.status).to.equal(201);
      expect(res.body).to.have.keys(['id', 'revision', 'position']);
      const read = (await get(`/sales/opportunities/${res.body.id}`)).body;
      expect(read).to.include({ pipeline: 'default', stage: 'proposal', probability: 50, expectedCloseDate: '2026-12-31' });
      expect(read.weightedAmount).to.deep.equal(eur(100_000));
    });

    it('refuses an unconfigured stage with a 422 problem naming the configured ones', async () => {
      const res = await send('POST', '/sales/opportunities', { name: 'x', stage: 'daydream' });
      expect([res.status, res.body.code]).to.deep.equal([422, 'invalid_stage']);
      expect(res.body.stages).to.deep.equal(['qualification', 'needs_analysis', 'proposal', 'negotiation']);
    });

    it('refuses malformed money and a weighted amount sent by the client (400)', async () => {
      const res = await send('POST', '/sales/opportunities', { name: 'x', amount: { amount: 1.5, currency: 'EUR' }, weightedAmount: eur(1) });
      expect(res.status).to.equal(400);
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).to.include.members(['/amount/amount', '/weightedAmount']);
    });

    it('answers 403 to the auditor and 404 to another tenant', async () => {
      const auditor = await tokenFor(server(), { tenantId: 'acme', actorId: 'aud', roles: ['auditor'] });
      expect((await send('POST', '/sales/opportunities', { name: 'x' }, auditor)).status).to.equal(403);
      const id = await create();
      expect((await get(`/sales/opportunities/${id}`, globex())).status).to.equal(404);
      expect((await send('POST', `/sales/opportunities/${id}/win`, {}, globex())).status).to.equal(404);
    });
  });

  describe('PATCH /sales/opportunities/:id', () => {
    it('moves the stage and reweighs; a stale If-Match is a 412; an unknown stage a 422', async () => {
      const id = await create();
      const ok = await send('PATCH', `/sales/opportunities/${id}`, { stage: 'negotiation' }, admin(), { 'If-Match': '"0"' });
      expect(ok.status).to.equal(200);
      expect((await get(`/sales/opportunities/${id}`)).body.weightedAmount).to.deep.equal(eur(80_000));
      expect((await send('PATCH', `/sales/opportunities/${id}`, { stage: 'proposal' }, admin(), { 'If-Match': '"0"' })).status).to.equal(412);
      expect((await send('PATCH', `/sales/opportunities/${id}`, { stage: 'won' })).status).to.equal(422);
    });

    it('merges a partial amount (JSON Merge Patch): the currency stays and the weighted amount follows', async () => {
      const id = await create();
      const res = await send('PATCH', `/sales/opportunities/${id}`, { amount: { amount: 50_000 } }, admin(), { 'Content-Type': 'application/merge-patch+json' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const read = (await get(`/sales/opportunities/${id}`)).body;
      expect([read.amount, read.weightedAmount]).to.deep.equal([eur(50_000), eur(5_000)]);
      const [, updated] = (await get(`/sales/opportunities/${id}/history`)).body.data;
      expect(updated.data.changes).to.deep.equal({ amount: eur(50_000), weightedAmount: eur(5_000) });
    });

    it('refuses a currency removed, or a partial amount on a deal without one (400 pointing at /amount/currency), writing nothing', async () => {
      const priced = await create();
      const unpriced = (await send('POST', '/sales/opportunities', { name: 'No amount yet' })).body.id as string;
      const before = await head();
      for (const [id, amount] of [[priced, { currency: null }], [unpriced, { amount: 5 }]] as const) {
        const res = await send('PATCH', `/sales/opportunities/${id}`, { amount });
        expect([res.status, res.body.code], JSON.stringify(amount)).to.deep.equal([400, 'validation_failed']);
        expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).to.include('/amount/currency');
      }
      expect(await head()).to.equal(before);
      expect((await get(`/sales/opportunities/${priced}`)).body.amount).to.deep.equal(eur(100_000));
    });

    it('refuses a partial amount changing a won deal\'s amount (409), and takes one repeating it', async () => {
      const id = await create();
      expect((await send('POST', `/sales/opportunities/${id}/win`, {})).status).to.equal(200);
      const before = await head();
      for (const amount of [{ amount: 1 }, { currency: 'USD' }]) {
        expect((await send('PATCH', `/sales/opportunities/${id}`, { amount })).body.code, JSON.stringify(amount)).to.equal('opportunity_closed');
      }
      expect((await send('PATCH', `/sales/opportunities/${id}`, { amount: { amount: 100_000 } })).status).to.equal(200);
      expect(await head()).to.equal(before);
    });

    it('refuses a new amount, currency or stage on a won or lost deal (409 opportunity_closed), writing nothing; its name still changes, beside them unchanged', async () => {
      for (const [close, body] of [['win', {}], ['lose', { reason: 'price' }]] as const) {
        const id = await create();
        expect((await send('POST', `/sales/opportunities/${id}/${close}`, body)).status).to.equal(200);
        const before = await head();
        for (const amount of [eur(1), { amount: 100_000, currency: 'USD' }, null]) {
          const res = await send('PATCH', `/sales/opportunities/${id}`, { amount });
          expect([res.status, res.body.code], `${close} ${JSON.stringify(amount)}`).to.deep.equal([409, 'opportunity_closed']);
        }
        expect((await send('PATCH', `/sales/opportunities/${id}`, { stage: 'proposal' })).body.code).to.equal('opportunity_closed');
        expect(await head()).to.equal(before);
        const stage = close === 'win' ? 'won' : 'lost';
        // A form saving every field sends the stage and pipeline unchanged: no change.
        const saved = await send('PATCH', `/sales/opportunities/${id}`, { name: 'Renamed', amount: eur(100_000), pipeline: 'default', stage });
        expect(saved.status, JSON.stringify(saved.body)).to.equal(200);
        expect((await get(`/sales/opportunities/${id}`)).body).to.deep.include({ name: 'Renamed', amount: eur(100_000) });
      }
    });

    it('takes its amount sent again unchanged after its currency left the configuration (a form saving every field); a new amount in it is a 422', async () => {
      const initech = await tokenFor(server(), { tenantId: 'initech', actorId: 'user-i', roles: ['tenant_admin'] });
      const gbp = { amount: 100_000, currency: 'GBP' };
      const id = (await send('POST', '/sales/opportunities', { name: 'Deal', amount: gbp }, initech)).body.id;
      expect((await send('PATCH', '/api/superadmin/sales-config', { currencies: ['EUR', 'USD'] }, initech)).status).to.equal(200);
      const res = await send('PATCH', `/sales/opportunities/${id}`, { name: 'Renamed', amount: gbp }, initech);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect((await get(`/sales/opportunities/${id}`, initech)).body).to.deep.include({ name: 'Renamed', amount: gbp });
      const before = await head();
      const changed = await send('PATCH', `/sales/opportunities/${id}`, { amount: { amount: 5 } }, initech);
      expect([changed.status, changed.body.code]).to.deep.equal([422, 'invalid_currency']);
      expect(await head()).to.equal(before);
    });
  });

  describe('POST /sales/opportunities/:id/win, /lose, /reopen', () => {
    it('wins from an open stage; winning or losing again is a 409', async () => {
      const id = await create();
      expect((await send('POST', `/sales/opportunities/${id}/win`)).status).to.equal(200);
      const read = (await get(`/sales/opportunities/${id}`)).body;
      expect(read).to.include({ stage: 'won', probability: 100 });
      expect(read.weightedAmount).to.deep.equal(eur(100_000));
      expect((await send('POST', `/sales/opportunities/${id}/win`)).body.code).to.equal('opportunity_closed');
      expect((await send('POST', `/sales/opportunities/${id}/lose`, { reason: 'x' })).status).to.equal(409);
    });

    it('reopens a deal whose pipeline left the configuration into a stage of another one ({ stage, pipeline }); without it, 422 invalid_pipeline', async () => {
      const hooli = await tokenFor(server(), { tenantId: 'hooli', actorId: 'user-h', roles: ['tenant_admin'] });
      const id = (await send('POST', '/sales/opportunities', { name: 'Deal', amount: eur(100_000) }, hooli)).body.id;
      expect((await send('POST', `/sales/opportunities/${id}/lose`, { reason: 'price' }, hooli)).status).to.equal(200);
      const enterprise = { id: 'enterprise', name: 'Enterprise', stages: [{ id: 'pilot', name: 'Pilot', probability: 40 }] };
      expect((await send('PATCH', '/api/superadmin/sales-config', { pipelines: [enterprise], defaultPipeline: 'enterprise' }, hooli)).status).to.equal(200);
      const before = await head();
      const stranded = await send('POST', `/sales/opportunities/${id}/reopen`, { stage: 'pilot' }, hooli);
      expect([stranded.status, stranded.body.code]).to.deep.equal([422, 'invalid_pipeline']);
      const unknown = await send('POST', `/sales/opportunities/${id}/reopen`, { stage: 'proposal', pipeline: 'enterprise' }, hooli);
      expect([unknown.status, unknown.body.code]).to.deep.equal([422, 'invalid_stage']);
      expect(await head()).to.equal(before);
      expect((await send('POST', `/sales/opportunities/${id}/reopen`, { stage: 'pilot', pipeline: 'enterprise' }, hooli)).status).to.equal(200);
      const read = (await get(`/sales/opportunities/${id}`, hooli)).body;
      expect(read).to.deep.include({ pipeline: 'enterprise', stage: 'pilot', probability: 40, weightedAmount: eur(40_000) });
      const report = (await get('/sales/reports/pipeline-by-stage', hooli)).body;
      expect(JSON.stringify(report)).to.include('"pipeline":"enterprise"');
    });

    it('needs a reason to lose (422 reason_required when missing, empty or blank, writing nothing), then reopens into a configured stage', async () => {
      const id = await create();
      await expectReasonRequired(session, `/sales/opportunities/${id}/lose`);
      expect((await send('POST', `/sales/opportunities/${id}/lose`, { reason: 'price' })).status).to.equal(200);
      expect((await get(`/sales/opportunities/${id}`)).body).to.include({ stage: 'lost', lostReason: 'price', probability: 0 });
      expect((await send('POST', `/sales/opportunities/${id}/reopen`, { stage: 'nowhere' })).status).to.equal(422);
      expect((await send('POST', `/sales/opportunities/${id}/reopen`, { stage: 'proposal' })).status).to.equal(200);
      const read = (await get(`/sales/opportunities/${id}`)).body;
      expect(read).to.include({ stage: 'proposal', probability: 50 });
      expect(read).not.to.have.property('lostReason');
    });

    it('refuses a reason that is not a string, too long, or beside an unknown field (400 validation_failed)', async () => {
      const id = await create();
      for (const body of [{ reason: 5 }, { reason: 'x'.repeat(501) }, { reason: 'price', extra: 1 }]) {
        const res = await send('POST', `/sales/opportunities/${id}/lose`, body);
        expect([res.status, res.body.code], JSON.stringify(body)).to.deep.equal([400, 'validation_failed']);
      }
    });
  });

  describe('GET /sales/opportunities', () => {
    it('filters by stage and sorts by weighted amount', async () => {
      await create({ name: 'Small', amount: eur(1_000), stage: 'negotiation' });
      await create({ name: 'Large', amount: eur(9_000), stage: 'negotiation' });
      const filter = encodeURIComponent('and(stage[eq]:"negotiation",name[in]:["Small","Large"])');
      const res = await get(`/sales/opportunities?filter=${filter}&sort=-weightedAmount.amount`);
      expect(res.body.data.map((o: { name: string; weightedAmount: { amount: number } }) => [o.name, o.weightedAmount.amount]))
        .to.deep.equal([['Large', 7_200], ['Small', 800]]);
    });
  });
});
