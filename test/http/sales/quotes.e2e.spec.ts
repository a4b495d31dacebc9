import { expect } from 'chai';
import { tokenFor } from '../../support/http.js';
import type { JobDeps } from '../../../src/jobs/define.js';
import { periodKeyOf } from '../../../src/events/sales/period.js';
import { quoteAcceptedJob, quoteExpiryJob } from '../../../src/jobs/sales/quotes.js';
import { eventually, expectReasonRequired, salesSession } from './session.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const YEAR = new Date().getUTCFullYear();
const PRICE_BOOK = [
  { id: 'license', name: 'License', prices: [eur(120_000), { amount: 130_000, currency: 'USD' }] },
  { id: 'support', name: 'Support plan', prices: [eur(2_999)] },
];
const LINES = [
  { productId: 'license', quantity: 2, discountBasisPoints: 1_000, taxRateId: 'standard' },
  { productId: 'support', quantity: 12, taxRateId: 'standard' },
  { description: 'Training day', quantity: 3, unitPrice: eur(45_050), discountBasisPoints: 250, taxRateId: 'reduced' },
];

describe('/sales/quotes', () => {
  const session = salesSession();
  const { server, admin, globex, send, get, head } = session;
  let opportunityId = '';
  const validUntil = `${YEAR + 1}-06-30`;
  const create = async (body: object = {}, token = admin()) =>
    send('POST', '/sales/quotes', { title: 'Offer', opportunityId, validUntil, lines: LINES, ...body }, token);

  before(async () => {
    await send('PATCH', '/api/superadmin/sales-config', { priceBook: PRICE_BOOK });
    opportunityId = (await send('POST', '/sales/opportunities', { name: 'Big deal', amount: eur(300_000) })).body.id;
  });

  describe('POST /sales/quotes', () => {
    it('answers 201; the read shows the number, the priced lines, the tax by rate and the total', async () => {
      const res = await create();
      expect(res.status).to.equal(201);
      const quote = (await get(`/sales/quotes/${res.body.id}`)).body;
      expect(quote.number).to.match(new RegExp(`^Q-${YEAR}-\\d{4}$`));
      expect(quote).to.include({ quoteStatus: 'draft', quoteRevision: 1, currency: 'EUR' });
      expect(quote.lines.map((l: { description: string; net: { amount: number } }) => [l.description, l.net.amount]))
        .to.deep.equal([['License', 216_000], ['Support plan', 35_988], ['Training day', 131_771]]);
      expect(quote.taxes).to.deep.equal([
        { taxRateId: 'reduced', basisPoints: 550, base: eur(131_771), tax: eur(7_247) },
        { taxRateId: 'standard', basisPoints: 2000, base: eur(251_988), tax: eur(50_398) },
      ]);
      expect([quote.subtotal, quote.total]).to.deep.equal([eur(383_759), eur(441_404)]);
    });

    it('gives 50 concurrent creates 50 distinct consecutive numbers', async () => {
      const initech = await tokenFor(server(), { tenantId: 'initech', actorId: 'user-i', roles: ['tenant_admin'] });
      const accountId = (await send('POST', '/sales/accounts', { name: 'Initech' }, initech)).body.id;
      const body = { title: 'Rush', accountId, validUntil, lines: [LINES[2]] };
      const created = await Promise.all(Array.from({ length: 50 }, () => send('POST', '/sales/quotes', body, initech)));
      expect(created.map((r) => r.status)).to.deep.equal(Array(50).fill(201));
      const numbers = await Promise.all(created.map(async (r) => (await get(`/sales/quotes/${r.body.id}`, initech)).body.number));
      const expected = Array.from({ length: 50 }, (_, i) => `Q-${YEAR}-${String(i + 1).padStart(4, '0')}`);
      expect([...numbers].sort()).to.deep.equal(expected);
    });

    it('never gives a number twice across a numbering change (Q-{year}-1 then Q-{year}-: after the 10th comes Q-…-16, Q-…-11 to 15 being taken)', async () => {
      const hooli = await tokenFor(server(), { tenantId: 'hooli', actorId: 'user-h', roles: ['tenant_admin'] });
      const accountId = (await send('POST', '/sales/accounts', { name: 'Hooli' }, hooli)).body.id;
      const numberOne = async () => {
        const created = await send('POST', '/sales/quotes', { title: 'Offer', accountId, validUntil, lines: [LINES[2]] }, hooli);
        return (await get(`/sales/quotes/${created.body.id}`, hooli)).body.number as string;
      };
      const numbering = async (prefix: string) => (await send('PATCH', '/api/superadmin/sales-config', { quoteNumbering: { prefix, padding: 1 } }, hooli)).status;
      expect(await numbering('Q-{year}-1')).to.equal(200);
      const numbers: string[] = [];
      for (let i = 0; i < 5; i++) numbers.push(await numberOne());
      expect(await numbering('Q-{year}-')).to.equal(200);
      for (let i = 0; i < 7; i++) numbers.push(await numberOne());
      expect(numbers).to.deep.equal([11, 12, 13, 14, 15, 6, 7, 8, 9, 10, 16, 17].map((n) => `Q-${YEAR}-${n}`));
    });

    it('refuses an unknown product, an unknown tax rate and a line in another currency (422), changing nothing', async () => {
      const before = await head();
      const product = await create({ lines: [{ productId: 'gizmo', quantity: 1, taxRateId: 'standard' }] });
      const rate = await create({ lines: [{ ...LINES[0], taxRateId: 'luxury' }] });
      const currency = await create({ lines: [{ ...LINES[2], unitPrice: { amount: 10, currency: 'USD' } }] });
      expect([product, rate, currency].map((r) => [r.status, r.body.code])).to.deep.equal([
        [422, 'unknown_product'], [422, 'unknown_tax_rate'], [422, 'currency_mismatch'],
      ]);
      expect(await head()).to.equal(before);
    });

    it('takes a quantity with up to three decimals (hours, kilograms), counted exactly; a fourth decimal, zero or less is a 400', async () => {
      const hours = (quantity: number) => ({ description: 'Consulting hour', quantity, unitPrice: eur(12_345), taxRateId: 'standard' });
      const res = await create({ lines: [hours(1.5), hours(2.675), hours(0.001)] });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      const quote = (await get(`/sales/quotes/${res.body.id}`)).body;
      // 1.5 × 123.45 = 185.175 → 185.18 (half even: 18517.5 → 18518); 2.675 × 123.45 = 330.22875 → 330.23; 0.001 × 123.45 → 0.12.
      expect(quote.lines.map((l: { quantity: number; net: { amount: number } }) => [l.quantity, l.net.amount])).to.deep.equal([[1.5, 18_518], [2.675, 33_023], [0.001, 12]]);
      const before = await head();
      for (const quantity of [1.0005, 0, -1, 1_000_000.001]) {
        const refused = await create({ lines: [hours(quantity)] });
        expect([refused.status, refused.body.errors?.[0]?.pointer], String(quantity)).to.deep.equal([400, '/lines/0/quantity']);
      }
      expect(await head()).to.equal(before);
    });

    it('refuses invalid input with a 400 problem naming the fields', async () => {
      const res = await create({ lines: [{ quantity: 0, taxRateId: 'standard' }], total: eur(1) });
      expect(res.status).to.equal(400);
      expect(res.headers.get('content-type')).to.contain('application/problem+json');
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).to.include.members(['/lines/0/quantity', '/total']);
    });

    it('answers 403 to a role without the permission and 404 to another tenant', async () => {
      const auditor = await tokenFor(server(), { tenantId: 'acme', actorId: 'aud', roles: ['auditor'] });
      expect((await create({}, auditor)).status).to.equal(403);
      const id = (await create()).body.id;
      expect((await get(`/sales/quotes/${id}`, globex())).status).to.equal(404);
      expect((await send('POST', `/sales/quotes/${id}/send`, {}, globex())).status).to.equal(404);
    });
  });

  describe('PATCH /sales/quotes/:id', () => {
    it('reprices a draft; a stale If-Match is a 412; a sent quote is a 409 and stays as it was', async () => {
      const id = (await create()).body.id;
      const ok = await send('PATCH', `/sales/quotes/${id}`, { lines: [LINES[1]] }, admin(), { 'If-Match': '"1"' });
      expect(ok.status).to.equal(200);
      expect((await get(`/sales/quotes/${id}`)).body.total).to.deep.equal(eur(43_186));
      expect((await send('PATCH', `/sales/quotes/${id}`, { title: 'x' }, admin(), { 'If-Match': '"1"' })).status).to.equal(412);
      expect((await send('POST', `/sales/quotes/${id}/send`)).status).to.equal(200);
      const before = await head();
      const refused = await send('PATCH', `/sales/quotes/${id}`, { title: 'Changed' });
      expect([refused.status, refused.body.code]).to.deep.equal([409, 'quote_not_draft']);
      expect(await head()).to.equal(before);
      expect((await get(`/sales/quotes/${id}`)).body.title).to.equal('Offer');
    });
    it('reprices the product lines at their list price in a new currency; a line whose price was given keeps it (422 currency_mismatch)', async () => {
      const listed = { productId: 'license', quantity: 2, discountBasisPoints: 1_000, taxRateId: 'standard' };
      const id = (await create({ opportunityId: undefined, lines: [listed] })).body.id;
      const res = await send('PATCH', `/sales/quotes/${id}`, { currency: 'USD' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const quote = (await get(`/sales/quotes/${id}`)).body;
      const usd = (amount: number) => ({ amount, currency: 'USD' });
      expect([quote.currency, quote.lines[0].unitPrice, quote.lines[0].net, quote.total]).to.deep.equal(['USD', usd(130_000), usd(234_000), usd(280_800)]);
      const given = (await create({ opportunityId: undefined, lines: [{ ...listed, unitPrice: eur(99_000) }] })).body.id;
      const before = await head();
      const refused = await send('PATCH', `/sales/quotes/${given}`, { currency: 'USD' });
      expect([refused.status, refused.body.code, refused.body.line]).to.deep.equal([422, 'currency_mismatch', 0]);
      expect(await head()).to.equal(before);
    });
  });

  describe('POST /sales/quotes/:id/send, /accept, /reject, /revise', () => {
    it('sends and accepts a quote: its opportunity is won and its sibling rejected', async () => {
      const { body: { id } } = await create();
      const sibling = (await create({ title: 'Cheaper offer' })).body.id;
      expect((await send('POST', `/sales/quotes/${id}/send`)).status).to.equal(200);
      expect((await send('POST', `/sales/quotes/${id}/accept`)).status).to.equal(200);
      expect((await get(`/sales/quotes/${id}`)).body.quoteStatus).to.equal('accepted');
      await eventually(session, `/sales/opportunities/${opportunityId}`, (o) => o.stage === 'won');
      const rejected = await eventually(session, `/sales/quotes/${sibling}`, (q) => q.quoteStatus === 'rejected');
      expect(rejected.rejectedReason).to.contain(id);
      expect((await send('POST', `/sales/quotes/${id}/accept`)).body.code).to.equal('quote_not_sent');
    });

    it('wins the opportunity at the accepted quote\'s net total (its subtotal before tax, not the deal\'s own amount): revenue and attainment count it', async () => {
      const own = await tokenFor(server(), { tenantId: 'umbrella', actorId: 'user-u', roles: ['tenant_admin'] }); // figures of its own
      const deal = (await send('POST', '/sales/opportunities', { name: 'Audited deal', amount: eur(500_000) }, own)).body.id;
      const lines = [
        { description: 'License', quantity: 2, unitPrice: eur(120_000), discountBasisPoints: 1_000, taxRateId: 'standard' },
        { description: 'Support plan', quantity: 12, unitPrice: eur(2_999), taxRateId: 'standard' },
        LINES[2],
      ];
      const id = (await create({ opportunityId: deal, lines }, own)).body.id;
      expect((await send('POST', `/sales/quotes/${id}/send`, undefined, own)).status).to.equal(200);
      expect((await send('POST', `/sales/quotes/${id}/accept`, undefined, own)).status).to.equal(200);
      const won = await eventually(session, `/sales/opportunities/${deal}`, (o) => o.stage === 'won', own);
      expect([won.amount, won.weightedAmount]).to.deep.equal([eur(383_759), eur(383_759)]);
      const history = (await get(`/sales/opportunities/${deal}/history`, own)).body.data;
      expect(history.at(-1)).to.deep.include({ type: 'OpportunityWon' });
      expect(history.at(-1).data).to.deep.include({ amount: eur(383_759), quoteId: id });
      expect((await get('/sales/reports/revenue?currency=EUR', own)).body.total).to.deep.equal([{ deals: 1, amount: eur(383_759) }]);
      const period = periodKeyOf(new Date().toISOString(), 'quarter');
      const target = { assignee: { type: 'user', id: 'user-u' }, period, metric: 'won_revenue', quota: 1_000_000 };
      const targetId = (await send('POST', '/sales/targets', target, own)).body.id;
      expect((await get(`/sales/targets/${targetId}/attainment`, own)).body.actual).to.equal(383_759);
    });

    it('refuses to accept a quote whose opportunity is lost (409 opportunity_closed), writing nothing; once reopened it is accepted', async () => {
      const other = globex(); // a tenant of its own: the other specs count acme's accepted quotes
      const deal = (await send('POST', '/sales/opportunities', { name: 'Lost deal', amount: eur(10_000) }, other)).body.id;
      const lines = [{ description: 'Consulting', quantity: 1, unitPrice: eur(10_000), taxRateId: 'standard' }];
      const id = (await create({ opportunityId: deal, lines }, other)).body.id;
      expect((await send('POST', `/sales/quotes/${id}/send`, undefined, other)).status).to.equal(200);
      expect((await send('POST', `/sales/opportunities/${deal}/lose`, { reason: 'gone' }, other)).status).to.equal(200);
      const before = await head();
      const refused = await send('POST', `/sales/quotes/${id}/accept`, undefined, other);
      expect([refused.status, refused.body.code]).to.deep.equal([409, 'opportunity_closed']);
      expect(await head()).to.equal(before);
      expect((await send('POST', `/sales/opportunities/${deal}/reopen`, { stage: 'qualification' }, other)).status).to.equal(200);
      expect((await send('POST', `/sales/quotes/${id}/accept`, undefined, other)).status).to.equal(200);
      await eventually(session, `/sales/opportunities/${deal}`, (o) => o.stage === 'won', other);
    });

    it('accepts one quote of an opportunity: a sibling accepted at the same time, or before the reactor rejected it, gets 409 quote_sibling_accepted', async () => {
      const other = globex(); // a tenant of its own: the other specs count acme's accepted quotes
      const lines = [{ description: 'Consulting', quantity: 1, unitPrice: eur(10_000), taxRateId: 'standard' }];
      for (const together of [true, false]) {
        const deal = (await send('POST', '/sales/opportunities', { name: 'Contested deal', amount: eur(10_000) }, other)).body.id;
        const [a, b] = [(await create({ opportunityId: deal, lines }, other)).body.id, (await create({ opportunityId: deal, lines }, other)).body.id];
        for (const id of [a, b]) expect((await send('POST', `/sales/quotes/${id}/send`, undefined, other)).status).to.equal(200);
        const accept = (id: string) => send('POST', `/sales/quotes/${id}/accept`, undefined, other);
        const answers = together ? await Promise.all([accept(a), accept(b)]) : [await accept(a), await accept(b)];
        expect(answers.map((r) => r.status).sort(), `together: ${together}`).to.deep.equal([200, 409]);
        // Refused as a sibling of the accepted one, or as rejected already if the reactor got there first.
        const refused = answers.find((r) => r.status === 409)!;
        expect(refused.body.code).to.be.oneOf(['quote_sibling_accepted', 'quote_not_sent']);
        if (refused.body.code === 'quote_sibling_accepted') expect([a, b]).to.include(refused.body.acceptedQuoteId);
        const statuses = await Promise.all([a, b].map(async (id) => (await get(`/sales/quotes/${id}`, other)).body.quoteStatus));
        expect(statuses.filter((status) => status === 'accepted')).to.have.length(1);
      }
    });

    it('lets only who may change the opportunity accept a quote of it (403 for a rep on another\'s deal, nothing written)', async () => {
      const other = globex();
      const rep = await tokenFor(server(), { tenantId: 'globex', actorId: 'rep-g', roles: ['sales_rep'] });
      const lines = [{ description: 'Consulting', quantity: 1, unitPrice: eur(10_000), taxRateId: 'standard' }];
      const deal = (await send('POST', '/sales/opportunities', { name: 'Admin deal', amount: eur(10_000) }, other)).body.id;
      const mine = (await create({ opportunityId: deal, lines }, rep)).body.id;
      expect((await send('POST', `/sales/quotes/${mine}/send`, undefined, rep)).status).to.equal(200);
      const before = await head();
      const refused = await send('POST', `/sales/quotes/${mine}/accept`, undefined, rep);
      expect([refused.status, refused.body.code]).to.deep.equal([403, 'forbidden']);
      expect(await head()).to.equal(before);
    });

    it('accepts a new quote once a won deal is reopened; a deal with an accepted quote is not lost (409)', async () => {
      const other = globex();
      const lines = [{ description: 'Consulting', quantity: 1, unitPrice: eur(10_000), taxRateId: 'standard' }];
      const deal = (await send('POST', '/sales/opportunities', { name: 'Second chance', amount: eur(10_000) }, other)).body.id;
      const first = (await create({ opportunityId: deal, lines }, other)).body.id;
      await send('POST', `/sales/quotes/${first}/send`, undefined, other);
      expect((await send('POST', `/sales/quotes/${first}/accept`, undefined, other)).status).to.equal(200);
      const lose = await send('POST', `/sales/opportunities/${deal}/lose`, { reason: 'changed our mind' }, other);
      expect([lose.status, lose.body.code]).to.satisfy(([status, code]: [number, string]) => status === 409 && ['quote_accepted', 'opportunity_closed'].includes(code));
      await eventually(session, `/sales/opportunities/${deal}`, (o) => o.stage === 'won', other);
      expect((await send('POST', `/sales/opportunities/${deal}/reopen`, { stage: 'qualification' }, other)).status).to.equal(200);
      const second = (await create({ opportunityId: deal, lines }, other)).body.id;
      await send('POST', `/sales/quotes/${second}/send`, undefined, other);
      expect((await send('POST', `/sales/quotes/${second}/accept`, undefined, other)).status).to.equal(200);
      await eventually(session, `/sales/opportunities/${deal}`, (o) => o.stage === 'won', other);
    });

    it('revises a sent quote into a draft of revision 2 that keeps its number', async () => {
      const accountId = (await send('POST', '/sales/accounts', { name: 'Acme Corp' })).body.id;
      const id = (await create({ opportunityId: undefined, accountId })).body.id;
      await send('POST', `/sales/quotes/${id}/send`);
      const number = (await get(`/sales/quotes/${id}`)).body.number;
      expect((await send('POST', `/sales/quotes/${id}/revise`)).status).to.equal(200);
      expect((await send('PATCH', `/sales/quotes/${id}`, { title: 'Revised offer' })).status).to.equal(200);
      expect((await get(`/sales/quotes/${id}`)).body).to.include({ quoteStatus: 'draft', quoteRevision: 2, number, title: 'Revised offer' });
      await expectReasonRequired(session, `/sales/quotes/${id}/reject`);
      for (const body of [{ reason: 5 }, { reason: 'x'.repeat(501) }, { reason: 'too dear', extra: 1 }]) {
        const reject = await send('POST', `/sales/quotes/${id}/reject`, body);
        expect([reject.status, reject.body.code], JSON.stringify(body)).to.deep.equal([400, 'validation_failed']);
      }
    });
  });

  describe('GET /sales/quotes, /export, /:id/history', () => {
    it('filters by status, sorts by number, exports CSV and shows the history', async () => {
      const filter = encodeURIComponent('quoteStatus[eq]:"accepted"');
      const list = await get(`/sales/quotes?filter=${filter}&sort=-number`);
      expect(list.status).to.equal(200);
      expect(list.body.data.map((q: { quoteStatus: string }) => q.quoteStatus)).to.deep.equal(['accepted']);
      const exported = await fetch(`${server().url}/sales/quotes/export?format=csv`, { headers: { Authorization: `Bearer ${admin()}` } });
      expect(exported.status).to.equal(200);
      expect(await exported.text()).to.contain(`Q-${YEAR}-`);
      const id = list.body.data[0].id;
      const history = (await get(`/sales/quotes/${id}/history`)).body.data.map((e: { type: string }) => e.type);
      expect(history).to.deep.equal(['QuoteCreated', 'QuoteNumbered', 'QuoteSent', 'QuoteAccepted']);
    });
  });

  describe('jobs sales.quote-expiry and sales.quote-accepted', () => {
    const run = (job: typeof quoteExpiryJob, data: object) => {
      const { store, keyStore, readDb, jobs, config } = server();
      const deps = { config, queue: jobs, compliance: { store, keyStore, readDb: readDb.db, kinds: [] } } as unknown as JobDeps;
      return job.handler(deps)({ id: 'test', name: job.name, data: data as never, attempt: 1 });
    };

    it('expires a sent quote after its validity, once; before it, nothing happens', async () => {
      const id = (await create({ validUntil: `${YEAR + 1}-01-31` })).body.id;
      await send('POST', `/sales/quotes/${id}/send`);
      const data = { tenantId: 'acme', quoteId: id, validUntil: `${YEAR + 1}-01-31` };
      const before = await head();
      await run(quoteExpiryJob, { ...data, now: `${YEAR + 1}-01-31T23:00:00Z` });
      expect(await head()).to.equal(before);
      await run(quoteExpiryJob, { ...data, now: `${YEAR + 1}-02-01T00:00:00Z` });
      const expired = await head();
      await run(quoteExpiryJob, { ...data, now: `${YEAR + 1}-02-02T00:00:00Z` });
      expect(await head()).to.equal(expired);
      expect((await eventually(session, `/sales/quotes/${id}`, (q) => q.quoteStatus === 'expired')).quoteStatus).to.equal('expired');
    });

    it('reacts to an acceptance once: run again, nothing changes', async () => {
      const { body: { id } } = await send('POST', '/sales/opportunities', { name: 'Second deal' });
      const [accepted, sibling] = [(await create({ opportunityId: id })).body.id, (await create({ opportunityId: id })).body.id];
      await send('POST', `/sales/quotes/${accepted}/send`);
      await send('POST', `/sales/quotes/${accepted}/accept`);
      await eventually(session, `/sales/quotes/${sibling}`, (q) => q.quoteStatus === 'rejected');
      const before = await head();
      await run(quoteAcceptedJob, { tenantId: 'acme', quoteId: accepted, opportunityId: id, position: before });
      expect(await head()).to.equal(before);
    });
  });
});
