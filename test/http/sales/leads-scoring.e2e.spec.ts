import { expect } from 'chai';
import { salesSession } from './session.js';

const CONFIG = '/api/superadmin/sales-config';
const ada = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@engines.example', company: 'Analytical Engines', jobTitle: 'Head of Research' };

describe('/sales/leads scoring', () => {
  const { globex, send, get, head } = salesSession();
  const post = (path: string, body?: unknown, token?: string, headers?: Record<string, string>) => send('POST', path, body, token, headers);
  const newLead = async (body: unknown = ada) => (await post('/sales/leads', body)).body.id as string;
  const scoreOf = async (id: string) => {
    const { body } = await get(`/sales/leads/${id}`);
    return { score: body.score, scoreReasons: body.scoreReasons };
  };

  describe('POST /sales/leads', () => {
    it('scores the lead under the default rules, with the ids of the rules that matched', async () => {
      expect(await scoreOf(await newLead())).to.deep.equal({ score: 35, scoreReasons: ['company_given', 'senior_title'] });
    });

    it('refuses a client-given score or reasons (400 validation_failed), writing nothing', async () => {
      const before = await head();
      for (const extra of [{ score: 90 }, { scoreReasons: ['vip'] }]) {
        const res = await post('/sales/leads', { ...ada, ...extra });
        expect([res.status, res.body.code]).to.deep.equal([400, 'validation_failed']);
      }
      const id = await newLead();
      const patched = await send('PATCH', `/sales/leads/${id}`, { score: 100 });
      expect([patched.status, patched.body.code]).to.deep.equal([400, 'validation_failed']);
      expect(await head()).to.equal(before + 1);
    });
  });

  describe('PATCH /sales/leads/:id', () => {
    it('rescores when a field the rules read changes', async () => {
      const id = await newLead();
      expect((await send('PATCH', `/sales/leads/${id}`, { email: 'ada@gmail.com', phone: '+44 20 7946 0000' })).status).to.equal(200);
      expect(await scoreOf(id)).to.deep.equal({ score: 25, scoreReasons: ['company_given', 'senior_title', 'free_mail', 'phone_given'] });
    });
  });

  describe('POST /sales/leads/:id/rescore', () => {
    it('applies the rules in effect after a configuration change; again it appends nothing', async () => {
      const id = await newLead();
      const rules = [{ id: 'engines', field: 'emailDomain', op: 'in', value: ['engines.example'], points: 70 }, { id: 'company', field: 'company', op: 'present', points: 50 }];
      expect((await send('PATCH', CONFIG, { leadScoring: { rules } })).status).to.equal(200);
      expect(await scoreOf(id)).to.deep.equal({ score: 35, scoreReasons: ['company_given', 'senior_title'] });
      const res = await post(`/sales/leads/${id}/rescore`, {}, undefined, { 'If-Match': '"0"' });
      expect([res.status, res.body.revision]).to.deep.equal([200, 1]);
      expect(await scoreOf(id)).to.deep.equal({ score: 100, scoreReasons: ['engines', 'company'] });
      const again = await post(`/sales/leads/${id}/rescore`);
      expect([again.status, again.body.revision]).to.deep.equal([200, 1]);
      const history = (await get(`/sales/leads/${id}/history`)).body.data.map((e: { type: string }) => e.type);
      expect(history).to.deep.equal(['LeadCreated', 'LeadScored']);
    });

    it('refuses a converted lead (409 lead_converted), a stale revision (412), a body (400), another tenant (404)', async () => {
      const id = await newLead();
      expect((await post(`/sales/leads/${id}/rescore`, {}, undefined, { 'If-Match': '"7"' })).status).to.equal(412);
      expect((await post(`/sales/leads/${id}/rescore`, { score: 1 })).status).to.equal(400);
      expect((await post(`/sales/leads/${id}/rescore`, {}, globex())).status).to.equal(404);
      await post(`/sales/leads/${id}/convert`);
      const before = await head();
      const refused = await post(`/sales/leads/${id}/rescore`);
      expect([refused.status, refused.body.code]).to.deep.equal([409, 'lead_converted']);
      expect(await head()).to.equal(before);
    });
  });

  describe('PATCH /api/superadmin/sales-config leadScoring', () => {
    it('refuses an unknown field or op, or an in rule with one text (422 invalid_lead_scoring), and points out of range (400), writing nothing', async () => {
      const before = await head();
      for (const rule of [
        { id: 'x', field: 'salary', op: 'present', points: 5 }, { id: 'x', field: 'company', op: 'like', value: 'a', points: 5 },
        { id: 'x', field: 'emailDomain', op: 'in', value: 'gmail.com', points: 5 },
      ]) {
        const res = await send('PATCH', CONFIG, { leadScoring: { rules: [rule] } });
        expect([res.status, res.body.code]).to.deep.equal([422, 'invalid_lead_scoring']);
      }
      const range = await send('PATCH', CONFIG, { leadScoring: { rules: [{ id: 'x', field: 'company', op: 'present', points: 101 }] } });
      expect(range.status).to.equal(400);
      expect(await head()).to.equal(before);
    });
  });
});
