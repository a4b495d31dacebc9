/**
 * The sales story end to end, through HTTP only: a web-form lead is captured, qualified and
 * converted; a call is logged on the opportunity, which moves through the pipeline; a quote with three lines under two tax
 * rates is sent and accepted; the acceptance reactor wins the opportunity; the reports and the
 * owner's target attainment show the won deal.
 */
import { expect } from 'chai';
import { awayFromMonthEnd } from '../../support/calendar.js';
import { call } from '../../support/http.js';
import { eventually, salesSession } from './session.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
/** The current UTC year, read when a test runs (the suite waits away from a month's end first). */
const year = (): number => new Date().getUTCFullYear();
const PRICE_BOOK = [{ id: 'license', name: 'License', prices: [eur(120_000)] }];
const LINES = [
  { productId: 'license', quantity: 2, discountBasisPoints: 1_000, taxRateId: 'standard' },
  { description: 'Support plan', quantity: 12, unitPrice: eur(2_999), taxRateId: 'standard' },
  { description: 'Training day', quantity: 3, unitPrice: eur(45_050), discountBasisPoints: 250, taxRateId: 'reduced' },
];
const visitor = { firstName: 'Katherine', lastName: 'Johnson', email: 'katherine@nasa.example', company: 'NASA', utm_campaign: 'story' };

describe('the sales story, web form to won deal', () => {
  before(async function () {
    this.timeout(90_000);
    await awayFromMonthEnd();
  });
  const session = salesSession();
  const { server, send, get } = session;
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await send(method, path, body);
    expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).to.be.within(200, 299);
    return res.body;
  };
  const story = { leadId: '', contactId: '', accountId: '', opportunityId: '', quoteId: '', targetId: '' };
  const report = async (name: string, query = '') => (await get(`/sales/reports/${name}?from=${year()}&to=${year()}${query}`)).body;

  before(async () => {
    await ok('PATCH', '/api/superadmin/sales-config', { priceBook: PRICE_BOOK });
    const target = { assignee: { type: 'user', id: 'user-admin' }, period: String(year()), metric: 'won_revenue', quota: 1_000_000 };
    story.targetId = (await ok('POST', '/sales/targets', target)).id;
  });

  it('captures a lead from the public web form', async () => {
    const { formKey } = await ok('POST', '/api/admin/forms', { name: 'Contact us' });
    const res = await call(server(), 'POST', `/api/public/forms/${formKey}/leads`, { body: visitor });
    expect(res.status).to.equal(202);
    await session.reachedHead();
    const leads = (await get('/sales/leads?filter=utmCampaign[eq]:"story"')).body.data;
    expect(leads).to.have.length(1);
    expect(leads[0]).to.include({ email: visitor.email, source: 'web_form', leadStatus: 'new' });
    story.leadId = leads[0].id;
  });

  it('qualifies and converts it into a contact, an account and an opportunity', async () => {
    await ok('POST', `/sales/leads/${story.leadId}/qualify`, { reason: 'budget confirmed' });
    const converted = await ok('POST', `/sales/leads/${story.leadId}/convert`, { opportunity: { name: 'Trajectories', amount: eur(441_404) } });
    Object.assign(story, { contactId: converted.contactId, accountId: converted.accountId, opportunityId: converted.opportunityId });
    expect((await get(`/sales/leads/${story.leadId}`)).body.leadStatus).to.equal('converted');
    expect((await get(`/sales/accounts/${story.accountId}`)).body.name).to.equal('NASA');
    expect((await get(`/sales/contacts/${story.contactId}`)).body).to.include({ email: visitor.email, accountId: story.accountId });
  });

  it('logs a discovery call on the opportunity and completes it', async () => {
    const call = { kind: 'call', subject: 'Discovery call', startsAt: `${year()}-01-02T10:00:00Z`, linkedTo: { type: 'opportunity', id: story.opportunityId } };
    const { id } = await ok('POST', '/sales/activities', call);
    await ok('POST', `/sales/activities/${id}/complete`, { outcome: 'Needs trajectory software' });
    expect((await get(`/sales/activities/${id}`)).body).to.include({ activityStatus: 'completed', outcome: 'Needs trajectory software' });
  });

  it('moves the opportunity through the stages of the pipeline', async () => {
    for (const stage of ['needs_analysis', 'proposal']) await ok('PATCH', `/sales/opportunities/${story.opportunityId}`, { stage, expectedCloseDate: `${year()}-12-15` });
    const deal = (await get(`/sales/opportunities/${story.opportunityId}`)).body;
    expect(deal).to.include({ stage: 'proposal', probability: 50 });
    expect(deal.weightedAmount).to.deep.equal(eur(220_702));
    const attainment = (await get(`/sales/targets/${story.targetId}/attainment`)).body;
    expect(attainment).to.include({ actual: 0, quota: 1_000_000 });
    expect(attainment.pipeline).to.deep.equal({ commit: 0, bestCase: 441_404, weighted: 220_702 });
  });

  it('sends a quote of three lines under two tax rates, with the totals computed on the server', async () => {
    const validUntil = `${year() + 1}-01-31`;
    story.quoteId = (await ok('POST', '/sales/quotes', { title: 'Trajectory software', opportunityId: story.opportunityId, validUntil, lines: LINES })).id;
    await ok('POST', `/sales/quotes/${story.quoteId}/send`, {});
    const quote = (await get(`/sales/quotes/${story.quoteId}`)).body;
    expect(quote).to.include({ quoteStatus: 'sent' });
    expect(quote.taxes.map((t: { taxRateId: string; tax: { amount: number } }) => [t.taxRateId, t.tax.amount])).to.deep.equal([['reduced', 7_247], ['standard', 50_398]]);
    expect([quote.subtotal, quote.total]).to.deep.equal([eur(383_759), eur(441_404)]);
  });

  it('accepts the quote, which wins the opportunity at the quote\'s net total (its subtotal, before tax)', async () => {
    await ok('POST', `/sales/quotes/${story.quoteId}/accept`, {});
    const deal = await eventually(session, `/sales/opportunities/${story.opportunityId}`, (d) => d.stage === 'won');
    expect([deal.amount, deal.weightedAmount]).to.deep.equal([eur(383_759), eur(383_759)]);
    expect((await get(`/sales/quotes/${story.quoteId}`)).body.quoteStatus).to.equal('accepted');
  });

  it('shows the won deal in the reports and in the owner\'s target attainment', async () => {
    await session.reachedHead();
    const attainment = (await get(`/sales/targets/${story.targetId}/attainment`)).body;
    expect(attainment).to.include({ actual: 383_759, percent: 38.4, currency: 'EUR' });
    expect(attainment.pipeline).to.deep.equal({ commit: 0, bestCase: 0, weighted: 0 });
    expect((await report('revenue', '&interval=year&currency=EUR')).total).to.deep.equal([{ deals: 1, amount: eur(383_759) }]);
    expect((await report('win-rate', '&interval=year')).total).to.include({ won: 1, lost: 0, winRate: 1 });
    expect((await report('lead-conversion', '&interval=year')).total).to.include({ created: 1, converted: 1, conversionRate: 1 });
    expect((await report('pipeline-by-stage')).data).to.deep.equal([]);
    expect((await report('activity-counts', '&interval=year')).data).to.deep.equal([
      { period: String(year()), ownerId: 'user-admin', kind: 'call', created: 1, completed: 1 },
    ]);
    const [vsTarget, ...others] = (await report('forecast-vs-target')).data;
    expect(others).to.deep.equal([]);
    expect(vsTarget).to.include({ targetId: story.targetId, actual: 383_759 });
  });
});
