import { expect } from 'chai';
import { salesConfigAggregate } from '../../../src/commands/sales/config.js';
import { DEFAULT_SALES_CONFIG, type SalesConfig } from '../../../src/events/sales/config.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(salesConfigAggregate.decider);
const renewals: SalesConfig = {
  ...DEFAULT_SALES_CONFIG,
  pipelines: [...DEFAULT_SALES_CONFIG.pipelines, { id: 'renewals', name: 'Renewals', stages: [{ id: 'due', name: 'Due', probability: 70 }] }],
};
const configured = (config: SalesConfig) => ({ type: 'SalesConfigured', data: { config } });

describe('Sales configuration decider', () => {
  it('ConfigureSales records the whole configuration', () => {
    given().when({ type: 'ConfigureSales', config: renewals }).then(configured(renewals));
  });

  it('ChangeSalesConfig merges sections over the configuration in effect (defaults included)', () => {
    given().when({ type: 'ChangeSalesConfig', changes: { currencies: ['EUR', 'CHF'] } })
      .then(configured({ ...DEFAULT_SALES_CONFIG, currencies: ['EUR', 'CHF'] }));
    given(configured(renewals)).when({ type: 'ChangeSalesConfig', changes: { defaultPipeline: 'renewals' } })
      .then(configured({ ...renewals, defaultPipeline: 'renewals' }));
  });

  it('changes nothing when the configuration is the same', () => {
    given(configured(renewals)).when({ type: 'ConfigureSales', config: renewals }).then();
  });

  it('refuses duplicate stages, a configured closing stage, a missing default pipeline or currency (422 invalid_sales_config)', () => {
    const stages = [{ id: 'a', name: 'A', probability: 10 }];
    for (const changes of [
      { pipelines: [{ id: 'default', name: 'P', stages: [...stages, ...stages] }] },
      { pipelines: [{ id: 'default', name: 'P', stages: [{ id: 'won', name: 'W', probability: 100 }] }] },
      { defaultPipeline: 'nowhere' },
      { defaultCurrency: 'JPY' },
    ]) given().when({ type: 'ChangeSalesConfig', changes }).thenFails('invalid_sales_config');
  });

  it('refuses a price book with a product given twice or two prices in one currency (422 invalid_sales_config)', () => {
    const eur = { amount: 100, currency: 'EUR' };
    for (const priceBook of [
      [{ id: 'p', name: 'P', prices: [eur] }, { id: 'p', name: 'Q', prices: [eur] }],
      [{ id: 'p', name: 'P', prices: [eur, { ...eur, amount: 200 }] }],
    ]) given().when({ type: 'ChangeSalesConfig', changes: { priceBook } }).thenFails('invalid_sales_config');
  });

  it('refuses a tax rate given twice (422 invalid_sales_config): a quote line could not tell which applies', () => {
    const taxRates = [{ id: 'standard', name: 'Standard', basisPoints: 2000 }, { id: 'standard', name: 'Other', basisPoints: 1000 }];
    given().when({ type: 'ChangeSalesConfig', changes: { taxRates } }).thenFails('invalid_sales_config');
  });

  it('refuses lead statuses without the lifecycle\'s own (new, qualified, disqualified, converted): 422 invalid_sales_config', () => {
    given().when({ type: 'ChangeSalesConfig', changes: { leadStatuses: ['fresh', 'contacted'] } }).thenFails('invalid_sales_config');
    const leadStatuses = ['new', 'fresh', 'qualified', 'disqualified', 'converted'];
    given().when({ type: 'ChangeSalesConfig', changes: { leadStatuses } }).then(configured({ ...DEFAULT_SALES_CONFIG, leadStatuses }));
  });

  it('refuses a price in a currency not configured, and a numbering prefix without {year}, with another placeholder or a stray brace (422)', () => {
    given().when({ type: 'ChangeSalesConfig', changes: { priceBook: [{ id: 'p', name: 'P', prices: [{ amount: 100, currency: 'JPY' }] }] } }).thenFails('invalid_sales_config');
    for (const prefix of ['Q-', 'Q-{year}-{month}-', 'Q-{year}-{', 'Q-{year}}-', '}Q-{year}', 'Q-{{year}}-', 'Q-{year']) {
      given().when({ type: 'ChangeSalesConfig', changes: { quoteNumbering: { prefix, padding: 4 } } }).thenFails('invalid_sales_config');
    }
  });

  it('takes the default numbering and a prefix with {year} anywhere, more than once', () => {
    for (const prefix of ['Q-{year}-', '{year}/', 'INV{year}-{year}_']) {
      given().when({ type: 'ChangeSalesConfig', changes: { quoteNumbering: { prefix, padding: 4 } } })
        .then(configured({ ...DEFAULT_SALES_CONFIG, quoteNumbering: { prefix, padding: 4 } }));
    }
  });

  it('refuses a currency that is not an ISO 4217 code, naming it (422 invalid_sales_config); the defaults are ISO 4217', () => {
    const changes = { currencies: ['EUR', 'ZZZ'] };
    given().when({ type: 'ChangeSalesConfig', changes }).thenFails('invalid_sales_config');
    const { decide, initialState } = salesConfigAggregate.decider;
    expect(() => decide({ type: 'ChangeSalesConfig', changes }, initialState()))
      .to.throw().with.property('extra').that.deep.equals({ problems: ['currency ZZZ is not an ISO 4217 code'] });
    given().when({ type: 'ConfigureSales', config: DEFAULT_SALES_CONFIG }).then(configured(DEFAULT_SALES_CONFIG));
    given().when({ type: 'ChangeSalesConfig', changes: { currencies: ['EUR', 'CHF', 'JPY'] } })
      .then(configured({ ...DEFAULT_SALES_CONFIG, currencies: ['EUR', 'CHF', 'JPY'] }));
  });
});
