import { expect } from 'chai';
import type { Logger } from 'pino';
import { commandIdFor } from '../../../src/commands/event-ids.js';
import { handleCommand } from '../../../src/commands/handle.js';
import { quoteAggregate } from '../../../src/commands/sales/quote.js';
import type { JobDeps } from '../../../src/jobs/define.js';
import { QUOTE_ACCEPTED_JOB, quoteAcceptedJob } from '../../../src/jobs/sales/quotes.js';
import { tokenFor } from '../../support/http.js';
import { eventually, salesSession } from './session.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const usd = (amount: number) => ({ amount, currency: 'USD' });
const validUntil = `${new Date().getUTCFullYear() + 1}-06-30`;

describe('/sales/quotes: the deal an acceptance wins', () => {
  const session = salesSession();
  const { server, send, get, head } = session;
  const deal = async (body: object = {}) => (await send('POST', '/sales/opportunities', { name: 'Deal', ...body })).body.id as string;
  /** A quote of `opportunityId` whose net total is `price`. */
  const quote = async (opportunityId: string, price = eur(10_000)) => {
    const lines = [{ description: 'Consulting', quantity: 1, unitPrice: price, taxRateId: 'standard' }];
    return (await send('POST', '/sales/quotes', { title: 'Offer', opportunityId, validUntil, currency: price.currency, lines })).body.id as string;
  };
  const sent = async (opportunityId: string, price?: { amount: number; currency: string }) => {
    const id = await quote(opportunityId, price);
    expect((await send('POST', `/sales/quotes/${id}/send`)).status).to.equal(200);
    return id;
  };

  describe('POST /sales/quotes/:id/send', () => {
    it('refuses a quote in another currency than its opportunity\'s amount (422 currency_mismatch naming both), appending nothing', async () => {
      const id = await quote(await deal({ amount: eur(500_000) }), usd(10_000));
      const before = await head();
      const refused = await send('POST', `/sales/quotes/${id}/send`);
      expect([refused.status, refused.body.code]).to.deep.equal([422, 'currency_mismatch']);
      expect(refused.body).to.include({ quoteCurrency: 'USD', opportunityCurrency: 'EUR' });
      expect(await head()).to.equal(before);
      expect((await get(`/sales/quotes/${id}`)).body.quoteStatus).to.equal('draft');
    });
    it('refuses a draft whose currency was removed from the configuration since (422 invalid_currency), appending nothing: no deal is won in it', async () => {
      const initech = await tokenFor(server(), { tenantId: 'initech', actorId: 'user-i', roles: ['tenant_admin'] });
      const opportunityId = (await send('POST', '/sales/opportunities', { name: 'Deal' }, initech)).body.id;
      const lines = [{ description: 'Consulting', quantity: 1, unitPrice: { amount: 10_000, currency: 'GBP' }, taxRateId: 'standard' }];
      const id = (await send('POST', '/sales/quotes', { title: 'Offer', opportunityId, validUntil, currency: 'GBP', lines }, initech)).body.id;
      expect((await send('PATCH', '/api/superadmin/sales-config', { currencies: ['EUR', 'USD'] }, initech)).status).to.equal(200);
      const before = await head();
      const res = await send('POST', `/sales/quotes/${id}/send`, undefined, initech);
      expect([res.status, res.body.code, res.body.currencies]).to.deep.equal([422, 'invalid_currency', ['EUR', 'USD']]);
      expect(await head()).to.equal(before);
    });
  });

  describe('POST /sales/quotes/:id/accept', () => {
    it('refuses a quote whose opportunity\'s amount is in another currency since it was sent (422 currency_mismatch), appending nothing: the deal keeps its EUR amount', async () => {
      const opportunityId = await deal();
      const id = await sent(opportunityId, usd(10_000));
      expect((await send('PATCH', `/sales/opportunities/${opportunityId}`, { amount: eur(500_000) })).status).to.equal(200);
      const before = await head();
      const refused = await send('POST', `/sales/quotes/${id}/accept`);
      expect([refused.status, refused.body.code]).to.deep.equal([422, 'currency_mismatch']);
      expect(refused.body).to.include({ quoteCurrency: 'USD', opportunityCurrency: 'EUR' });
      expect(await head()).to.equal(before);
      expect((await get(`/sales/opportunities/${opportunityId}`)).body).to.deep.include({ stage: 'qualification', amount: eur(500_000) });
    });

    it('reads the deal\'s currency as merged: a patch of the currency alone ({ amount: { currency } }) makes the quote a mismatch (422)', async () => {
      const opportunityId = await deal({ amount: eur(500_000) });
      const id = await sent(opportunityId, eur(10_000));
      expect((await send('PATCH', `/sales/opportunities/${opportunityId}`, { amount: { currency: 'USD' } })).status).to.equal(200);
      const refused = await send('POST', `/sales/quotes/${id}/accept`);
      expect([refused.status, refused.body.code]).to.deep.equal([422, 'currency_mismatch']);
      expect(refused.body).to.include({ quoteCurrency: 'EUR', opportunityCurrency: 'USD' });
      expect((await get(`/sales/opportunities/${opportunityId}`)).body.amount).to.deep.equal(usd(500_000));
    });

    it('wins a deal without an amount at the quote\'s net total, in the quote\'s currency', async () => {
      const opportunityId = await deal();
      const id = await sent(opportunityId, usd(10_000));
      expect((await send('POST', `/sales/quotes/${id}/accept`)).status).to.equal(200);
      const won = await eventually(session, `/sales/opportunities/${opportunityId}`, (o) => o.stage === 'won');
      expect(won.amount).to.deep.equal(usd(10_000));
    });

    it('refuses a quote whose opportunity is archived (409 record_archived naming it), appending nothing; once restored it is accepted and wins the deal', async () => {
      const opportunityId = await deal({ amount: eur(500_000) });
      const id = await sent(opportunityId);
      expect((await send('POST', `/sales/opportunities/${opportunityId}/archive`, {})).status).to.equal(200);
      const before = await head();
      const refused = await send('POST', `/sales/quotes/${id}/accept`);
      expect([refused.status, refused.body.code, refused.body.opportunityId]).to.deep.equal([409, 'record_archived', opportunityId]);
      expect(await head()).to.equal(before);
      expect((await send('POST', `/sales/opportunities/${opportunityId}/restore`)).status).to.equal(200);
      expect((await send('POST', `/sales/quotes/${id}/accept`)).status).to.equal(200);
      const won = await eventually(session, `/sales/opportunities/${opportunityId}`, (o) => o.stage === 'won');
      expect(won.amount).to.deep.equal(eur(10_000));
    });
  });

  describe('POST /sales/opportunities/:id/win', () => {
    it('wins a deal whose quote was accepted, before its reactor ran, at that quote\'s net total (not the deal\'s own amount)', async () => {
      const opportunityId = await deal({ amount: eur(500_000) });
      const accepted = await sent(opportunityId);
      // The reactor's job id taken by a placeholder far in the future: the acceptance's own enqueue is a no-op, the reactor does not run.
      const placeholder = `quote-accepted.${accepted}`;
      await server().jobs!.enqueue(QUOTE_ACCEPTED_JOB, { tenantId: 'none', quoteId: accepted, opportunityId, position: 0 }, { id: placeholder, delayMs: 86_400_000 });
      try {
        expect((await send('POST', `/sales/quotes/${accepted}/accept`)).status).to.equal(200);
        expect((await send('POST', `/sales/opportunities/${opportunityId}/win`)).status).to.equal(200);
        expect((await get(`/sales/opportunities/${opportunityId}`)).body).to.deep.include({ stage: 'won', amount: eur(10_000), weightedAmount: eur(10_000) });
      } finally {
        await server().jobs!.remove(placeholder);
      }
    });
  });

  describe('job sales.quote-accepted', () => {
    const warnings: { fields: Record<string, unknown>; message: string }[] = [];
    const logger = { warn: (fields: Record<string, unknown>, message: string) => void warnings.push({ fields, message }) } as unknown as Logger;
    const run = (data: object) => {
      const { store, keyStore, readDb, jobs, config } = server();
      const deps = { config, logger, queue: jobs, compliance: { store, keyStore, readDb: readDb.db, kinds: [] } } as unknown as JobDeps;
      return quoteAcceptedJob.handler(deps)({ id: 'test', name: quoteAcceptedJob.name, data: data as never, attempt: 1 });
    };
    /** Accepts `id` as the route did before it refused an archived opportunity. */
    const acceptedUnchecked = (id: string) => {
      const { store, keyStore } = server();
      const context = { tenantId: 'acme', actorId: 'user-admin', commandId: commandIdFor('acme', `legacy-accept-${id}`), correlationId: id, now: new Date() };
      const command = { type: 'AcceptQuote' as const, today: new Date().toISOString().slice(0, 10), deal: null, acceptedSibling: null };
      return handleCommand({ store, keyStore }, quoteAggregate, { id, command, context });
    };

    it('rejects every open sibling, beyond one page of the read model (205 drafts)', async function () {
      this.timeout(60_000);
      const opportunityId = await deal({ amount: eur(500_000) });
      const accepted = await sent(opportunityId);
      for (let i = 0; i < 205; i += 15) await Promise.all(Array.from({ length: Math.min(15, 205 - i) }, () => quote(opportunityId)));
      expect((await send('POST', `/sales/quotes/${accepted}/accept`)).status).to.equal(200);
      const stillOpen = `and(opportunityId[eq]:"${opportunityId}",quoteStatus[in]:["draft","sent"])`;
      await eventually(session, `/sales/quotes?limit=1&filter=${encodeURIComponent(stillOpen)}`, (page) => page.data.length === 0);
      const rejected = `and(opportunityId[eq]:"${opportunityId}",quoteStatus[eq]:"rejected")`;
      let [count, cursor] = [0, ''];
      do {
        const page = (await get(`/sales/quotes?limit=100&filter=${encodeURIComponent(rejected)}${cursor ? `&cursor=${cursor}` : ''}`)).body;
        [count, cursor] = [count + page.data.length, page.page.nextCursor ?? ''];
      } while (cursor);
      expect(count).to.equal(205);
    });

    it('passes over an archived open sibling (settled, left as it is) and still rejects the others; run again, nothing changes', async () => {
      const opportunityId = await deal({ amount: eur(500_000) });
      const accepted = await sent(opportunityId);
      const [archived, sibling] = [await quote(opportunityId), await quote(opportunityId)];
      expect((await send('POST', `/sales/quotes/${archived}/archive`, {})).status).to.equal(200);
      expect((await send('POST', `/sales/quotes/${accepted}/accept`)).status).to.equal(200);
      const data = { tenantId: 'acme', quoteId: accepted, opportunityId, position: await head() };
      await run(data);
      await eventually(session, `/sales/quotes/${sibling}`, (q) => q.quoteStatus === 'rejected');
      expect((await get(`/sales/quotes/${archived}`)).body).to.deep.include({ quoteStatus: 'draft', status: 'archived' });
      expect((await get(`/sales/opportunities/${opportunityId}`)).body).to.deep.include({ stage: 'won', amount: eur(10_000) });
      const before = await head();
      await run(data);
      expect(await head()).to.equal(before);
    });

    it('settles the win of an archived opportunity (a quote accepted before that was refused): logged, not won, its siblings still rejected; run again, nothing changes', async () => {
      const opportunityId = await deal({ amount: eur(500_000) });
      const [accepted, sibling] = [await sent(opportunityId), await quote(opportunityId)];
      expect((await send('POST', `/sales/opportunities/${opportunityId}/archive`, {})).status).to.equal(200);
      await acceptedUnchecked(accepted);
      const data = { tenantId: 'acme', quoteId: accepted, opportunityId, position: await head() };
      await run(data);
      expect(warnings.map((w) => w.fields)).to.deep.include({ tenantId: 'acme', quoteId: accepted, opportunityId, code: 'record_archived' });
      await eventually(session, `/sales/quotes/${sibling}`, (q) => q.quoteStatus === 'rejected');
      expect((await get(`/sales/opportunities/${opportunityId}`)).body).to.deep.include({ stage: 'qualification', status: 'archived', amount: eur(500_000) });
      const before = await head();
      await run(data);
      expect(await head()).to.equal(before);
    });
  });
});
