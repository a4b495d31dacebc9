import { quoteDecider, type DealFacts } from '../../../src/commands/sales/quote.js';
import { quoteCounterDecider } from '../../../src/commands/sales/quote-numbering.js';
import { DEFAULT_SALES_CONFIG, type SalesConfig } from '../../../src/events/sales/config.js';
import type { JsonObject } from '../../../src/events/log/port.js';
import { specFor } from '../../support/decider.js';

const config: SalesConfig = { ...DEFAULT_SALES_CONFIG, priceBook: [{ id: 'widget', name: 'Widget', prices: [{ amount: 1999, currency: 'EUR' }] }] };
const { given } = specFor(quoteDecider);
const eur = (amount: number) => ({ amount, currency: 'EUR' });

const widgetLine = { productId: 'widget', quantity: 3, discountBasisPoints: 1000, taxRateId: 'standard' };
const freeLine = { description: 'Setup', quantity: 1, unitPrice: eur(10_000), taxRateId: 'reduced' };
const create = (fields: object = {}) => ({
  type: 'CreateRecord' as const, ownerId: 'u1', tags: [], config,
  fields: { title: 'Offer', opportunityId: 'opp-1', validUntil: '2026-12-31', lines: [widgetLine, freeLine], ...fields },
});
const pricedLines: JsonObject[] = [
  { productId: 'widget', description: 'Widget', quantity: 3, unitPrice: eur(1999), discountBasisPoints: 1000, taxRateId: 'standard', taxBasisPoints: 2000, net: eur(5397) },
  { description: 'Setup', quantity: 1, unitPrice: eur(10_000), discountBasisPoints: 0, taxRateId: 'reduced', taxBasisPoints: 550, net: eur(10_000) },
];
const created = {
  type: 'QuoteCreated',
  data: {
    fields: {
      title: 'Offer', opportunityId: 'opp-1', validUntil: '2026-12-31', currency: 'EUR', lines: pricedLines,
      subtotal: eur(15_397),
      taxes: [
        { taxRateId: 'reduced', basisPoints: 550, base: eur(10_000), tax: eur(550) },
        { taxRateId: 'standard', basisPoints: 2000, base: eur(5397), tax: eur(1079) },
      ],
      total: eur(17_026), quoteStatus: 'draft', quoteRevision: 1,
    },
    ownerId: 'u1', tags: [],
  },
};
const numbered = { type: 'QuoteNumbered', data: { number: 'Q-2026-0001' } };
const sent = { type: 'QuoteSent', data: { revision: 1, validUntil: '2026-12-31' } };
const accepted = { type: 'QuoteAccepted', data: { opportunityId: 'opp-1' } };
const rejected = { type: 'QuoteRejected', data: { reason: 'too dear' } };
const expired = { type: 'QuoteExpired', data: { validUntil: '2026-12-31' } };
const deal = (status: 'open' | 'won' | 'lost', facts: { archived?: boolean; currency?: string | null } = {}): DealFacts =>
  ({ status, archived: false, currency: 'EUR', ...facts });
const sendOn = (today: string, facts: DealFacts | null = deal('open'), withConfig: SalesConfig = config) =>
  ({ type: 'SendQuote' as const, today, config: withConfig, deal: facts });
const acceptOn = (today: string, facts: DealFacts | null = deal('open'), acceptedSibling: string | null = null) =>
  ({ type: 'AcceptQuote' as const, today, deal: facts, acceptedSibling });

describe('Quote decider', () => {
  describe('CreateRecord', () => {
    it('prices product and free-text lines and computes the totals with tax per rate', () => {
      given().when(create()).then(created);
    });
    it('refuses an unknown product or tax rate, another currency and an unpriced currency (422)', () => {
      given().when(create({ lines: [{ ...widgetLine, productId: 'gadget' }] })).thenFails('unknown_product');
      given().when(create({ lines: [{ ...freeLine, taxRateId: 'luxury' }] })).thenFails('unknown_tax_rate');
      given().when(create({ lines: [{ ...freeLine, unitPrice: { amount: 1, currency: 'USD' } }] })).thenFails('currency_mismatch');
      given().when(create({ currency: 'USD', lines: [widgetLine] })).thenFails('no_price_in_currency');
      given().when(create({ currency: 'JPY' })).thenFails('invalid_currency');
    });
    it('refuses a total beyond the largest amount (422)', () => {
      given().when(create({ lines: [{ ...freeLine, quantity: 1_000_000, unitPrice: eur(1e12) }] })).thenFails('amount_too_large');
    });
  });

  describe('UpdateRecord', () => {
    it('reprices a draft whose lines change', () => {
      given(created).when({ type: 'UpdateRecord', changes: { lines: [freeLine] }, config }).then({
        type: 'QuoteUpdated',
        data: {
          changes: {
            lines: [pricedLines[1]!], subtotal: eur(10_000), taxes: [{ taxRateId: 'reduced', basisPoints: 550, base: eur(10_000), tax: eur(550) }],
            total: eur(10_550),
          },
        },
      });
    });
    it('reprices a product line at its list price in a new currency; a line whose price was given keeps it (422 currency_mismatch)', () => {
      const dollars = { ...config, priceBook: [{ id: 'widget', name: 'Widget', prices: [eur(1999), { amount: 2199, currency: 'USD' }] }] };
      const usd = (amount: number) => ({ amount, currency: 'USD' });
      given(created).when({ type: 'UpdateRecord', changes: { currency: 'USD', lines: [{ ...freeLine, unitPrice: usd(10_000) }] }, config: dollars }).then({
        type: 'QuoteUpdated', data: { changes: { currency: 'USD', lines: [{ ...pricedLines[1]!, unitPrice: usd(10_000), net: usd(10_000) }], subtotal: usd(10_000),
          taxes: [{ taxRateId: 'reduced', basisPoints: 550, base: usd(10_000), tax: usd(550) }], total: usd(10_550) } },
      });
      const widgetOnly = { ...created, data: { ...created.data, fields: { ...created.data.fields, lines: [pricedLines[0]!] } } };
      given(widgetOnly).when({ type: 'UpdateRecord', changes: { currency: 'USD' }, config: dollars }).then({
        type: 'QuoteUpdated', data: { changes: { currency: 'USD', lines: [{ ...pricedLines[0]!, unitPrice: usd(2199), net: usd(5937) }], subtotal: usd(5937),
          taxes: [{ taxRateId: 'standard', basisPoints: 2000, base: usd(5937), tax: usd(1187) }], total: usd(7124) } },
      });
      given(created).when({ type: 'UpdateRecord', changes: { currency: 'USD' }, config: dollars }).thenFails('currency_mismatch');
    });
    it('refuses to change a quote that is not a draft (409 quote_not_draft)', () => {
      given(created, numbered, sent).when({ type: 'UpdateRecord', changes: { title: 'New' }, config }).thenFails('quote_not_draft');
      given(created, numbered, sent, accepted).when({ type: 'UpdateRecord', changes: { lines: [freeLine] }, config }).thenFails('quote_not_draft');
    });
  });

  describe('NumberQuote', () => {
    it('numbers once; the same number again changes nothing, another is a 409', () => {
      given(created).when({ type: 'NumberQuote', number: 'Q-2026-0001' }).then(numbered);
      given(created, numbered).when({ type: 'NumberQuote', number: 'Q-2026-0001' }).then();
      given(created, numbered).when({ type: 'NumberQuote', number: 'Q-2026-0002' }).thenFails('quote_numbered');
    });
  });

  describe('SendQuote', () => {
    it('sends a numbered draft that is still valid', () => {
      given(created, numbered).when(sendOn('2026-12-31')).then(sent);
    });
    it('refuses an unnumbered draft (409), a past validity (422), a quote for nobody (422) and a sent quote (409)', () => {
      const forNobody = { ...created, data: { ...created.data, fields: { ...created.data.fields, opportunityId: undefined } } } as unknown as typeof numbered;
      given(forNobody, numbered).when(sendOn('2026-11-23')).thenFails('party_required');
      given(created).when(sendOn('2026-11-23')).thenFails('quote_unnumbered');
      given(created, numbered).when(sendOn('2027-01-01')).thenFails('valid_until_past');
      given(created, numbered, sent).when(sendOn('2026-11-23')).thenFails('quote_not_draft');
    });
    it('refuses a draft whose lines the configuration no longer backs (422): a tax rate gone or changed, a product gone', () => {
      const standardOnly = { ...config, taxRates: config.taxRates.filter((t) => t.id !== 'reduced') };
      const reducedChanged = { ...config, taxRates: config.taxRates.map((t) => (t.id === 'reduced' ? { ...t, basisPoints: 700 } : t)) };
      const noWidget = { ...config, priceBook: [] };
      given(created, numbered).when(sendOn('2026-12-31', deal('open'), standardOnly)).thenFails('unknown_tax_rate');
      given(created, numbered).when(sendOn('2026-12-31', deal('open'), reducedChanged)).thenFails('tax_rate_changed');
      given(created, numbered).when(sendOn('2026-12-31', deal('open'), noWidget)).thenFails('unknown_product');
    });
    it('refuses a draft whose currency is no longer configured (422 invalid_currency)', () => {
      const noEuro = { ...config, currencies: ['USD'], defaultCurrency: 'USD', priceBook: [{ id: 'widget', name: 'Widget', prices: [{ amount: 2099, currency: 'USD' }] }] };
      given(created, numbered).when(sendOn('2026-12-31', deal('open', { currency: null }), noEuro)).thenFails('invalid_currency');
    });
    it('refuses a quote in another currency than its opportunity\'s amount (422 currency_mismatch)', () => {
      given(created, numbered).when(sendOn('2026-12-31', deal('open', { currency: 'USD' }))).thenFails('currency_mismatch');
    });
    it('sends a quote whose opportunity has no amount yet (the deal takes the quote\'s currency) or that has no opportunity', () => {
      given(created, numbered).when(sendOn('2026-12-31', deal('open', { currency: null }))).then(sent);
      given(created, numbered).when(sendOn('2026-12-31', null)).then(sent);
    });
  });

  describe('AcceptQuote / RejectQuote', () => {
    it('accepts a sent quote, naming its opportunity', () => {
      given(created, numbered, sent).when(acceptOn('2026-12-31')).then(accepted);
    });
    it('refuses to accept a draft or an accepted quote (409 quote_not_sent) and one past its validity (409 quote_expired)', () => {
      given(created, numbered).when(acceptOn('2026-11-23')).thenFails('quote_not_sent');
      given(created, numbered, sent, accepted).when(acceptOn('2026-11-23')).thenFails('quote_not_sent');
      given(created, numbered, sent).when(acceptOn('2027-01-01')).thenFails('quote_expired');
    });
    it('refuses to accept a quote whose opportunity has another accepted quote (409 quote_sibling_accepted)', () => {
      given(created, numbered, sent).when(acceptOn('2026-12-31', deal('open'), 'q-2')).thenFails('quote_sibling_accepted');
    });
    it('refuses to accept a quote whose opportunity the tenant does not hold (422 linked_record_not_found)', () => {
      given(created, numbered, sent).when(acceptOn('2026-12-31', { status: 'none' })).thenFails('linked_record_not_found');
    });
    it('refuses to accept a quote whose opportunity is lost (409 opportunity_closed); a won one is accepted', () => {
      given(created, numbered, sent).when(acceptOn('2026-12-31', deal('lost'))).thenFails('opportunity_closed');
      given(created, numbered, sent).when(acceptOn('2026-12-31', deal('won'))).then(accepted);
    });
    it('refuses to accept a quote whose opportunity is archived, open or closed (409 record_archived)', () => {
      given(created, numbered, sent).when(acceptOn('2026-12-31', deal('open', { archived: true }))).thenFails('record_archived');
      given(created, numbered, sent).when(acceptOn('2026-12-31', deal('lost', { archived: true }))).thenFails('record_archived');
    });
    it('refuses to accept a quote in another currency than its opportunity\'s amount (422 currency_mismatch); a deal without an amount takes the quote\'s', () => {
      given(created, numbered, sent).when(acceptOn('2026-12-31', deal('open', { currency: 'USD' }))).thenFails('currency_mismatch');
      given(created, numbered, sent).when(acceptOn('2026-12-31', deal('open', { currency: null }))).then(accepted);
    });
    it('rejects a draft or sent quote with a reason; a closed one is a 409, a missing or blank reason a 422', () => {
      given(created, numbered, sent).when({ type: 'RejectQuote', reason: 'too dear' }).then(rejected);
      given(created, numbered, sent, accepted).when({ type: 'RejectQuote', reason: 'x' }).thenFails('quote_closed');
      given(created).when({ type: 'RejectQuote', reason: ' ' }).thenFails('reason_required');
      given(created).when({ type: 'RejectQuote', reason: '' }).thenFails('reason_required');
      given(created).when({ type: 'RejectQuote' }).thenFails('reason_required');
    });
    it('refuses a missing quote (404)', () => {
      given().when(acceptOn('2026-11-23')).thenFails('not_found');
    });
  });

  describe('ExpireQuote', () => {
    it('expires a sent quote once its validity has passed', () => {
      given(created, numbered, sent).when({ type: 'ExpireQuote', today: '2027-01-01' }).then(expired);
    });
    it('does nothing early, twice, or to a quote that is no longer sent', () => {
      given(created, numbered, sent).when({ type: 'ExpireQuote', today: '2026-12-31' }).then();
      given(created, numbered, sent, expired).when({ type: 'ExpireQuote', today: '2027-01-01' }).then();
      given(created, numbered, sent, accepted).when({ type: 'ExpireQuote', today: '2027-01-01' }).then();
    });
  });

  describe('ReviseQuote', () => {
    it('turns a sent, rejected or expired quote into a draft of the next revision', () => {
      const revised = { type: 'QuoteRevised', data: { revision: 2 } };
      given(created, numbered, sent).when({ type: 'ReviseQuote' }).then(revised);
      given(created, numbered, sent, rejected).when({ type: 'ReviseQuote' }).then(revised);
      given(created, numbered, sent, expired).when({ type: 'ReviseQuote' }).then(revised);
    });
    it('lets the revised draft change and be sent as revision 2', () => {
      const revised = { type: 'QuoteRevised', data: { revision: 2 } };
      given(created, numbered, sent, revised).when({ type: 'UpdateRecord', changes: { title: 'Better' }, config })
        .then({ type: 'QuoteUpdated', data: { changes: { title: 'Better' } } });
      given(created, numbered, sent, revised).when(sendOn('2026-11-23'))
        .then({ type: 'QuoteSent', data: { revision: 2, validUntil: '2026-12-31' } });
    });
    it('refuses a draft or an accepted quote (409 quote_not_revisable)', () => {
      given(created).when({ type: 'ReviseQuote' }).thenFails('quote_not_revisable');
      given(created, numbered, sent, accepted).when({ type: 'ReviseQuote' }).thenFails('quote_not_revisable');
    });
  });
});

describe('Quote counter decider', () => {
  const { given: counter } = specFor(quoteCounterDecider);
  const assign = (quoteId: string) => ({ type: 'AssignQuoteNumber' as const, quoteId, year: 2026, numbering: config.quoteNumbering });
  const first = { type: 'QuoteNumberAssigned', data: { quoteId: 'a', sequence: 1, number: 'Q-2026-0001' } };

  it('gives the next sequence number in the configured format', () => {
    counter().when(assign('a')).then(first);
    counter(first).when(assign('b')).then({ type: 'QuoteNumberAssigned', data: { quoteId: 'b', sequence: 2, number: 'Q-2026-0002' } });
  });
  it('gives a quote its number once', () => {
    counter(first).when(assign('a')).then();
  });
});
