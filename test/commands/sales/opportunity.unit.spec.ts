import { opportunityDecider } from '../../../src/commands/sales/opportunity.js';
import { DEFAULT_SALES_CONFIG as config } from '../../../src/events/sales/config.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(opportunityDecider);
const eur = (amount: number) => ({ amount, currency: 'EUR' });
const create = (fields: object) => ({ type: 'CreateRecord' as const, fields: { name: 'Deal', amount: eur(100_000), ...fields }, ownerId: 'u1', tags: [], config });
const opened = {
  type: 'OpportunityCreated',
  data: {
    fields: { name: 'Deal', amount: eur(100_000), pipeline: 'default', stage: 'qualification', probability: 10, weightedAmount: eur(10_000) },
    ownerId: 'u1', tags: [],
  },
};
const won = { type: 'OpportunityWon', data: { weightedAmount: eur(100_000) } };
const lost = { type: 'OpportunityLost', data: { reason: 'price', weightedAmount: eur(0) } };
const usd = (amount: number) => ({ amount, currency: 'USD' });
const byQuote = { quoteId: 'q-1', amount: usd(383_759) };
const wonByQuote = { type: 'OpportunityWon', data: { weightedAmount: usd(383_759), amount: usd(383_759), quoteId: 'q-1' } };

describe('Opportunity decider', () => {
  describe('CreateRecord', () => {
    it('starts in the first stage of the default pipeline with its probability and weighted amount', () => {
      given().when(create({})).then(opened);
    });
    it('accepts a configured stage and weighs the amount by its probability', () => {
      given().when(create({ stage: 'proposal', amount: eur(12_345) })).then({
        type: 'OpportunityCreated',
        data: {
          fields: { name: 'Deal', amount: eur(12_345), stage: 'proposal', pipeline: 'default', probability: 50, weightedAmount: eur(6_173) },
          ownerId: 'u1', tags: [],
        },
      });
    });
    it('refuses an unknown stage, a closing stage, an unknown pipeline and an unconfigured currency (422)', () => {
      given().when(create({ stage: 'dreaming' })).thenFails('invalid_stage');
      given().when(create({ stage: 'won' })).thenFails('invalid_stage');
      given().when(create({ pipeline: 'other' })).thenFails('invalid_pipeline');
      given().when(create({ amount: { amount: 1, currency: 'JPY' } })).thenFails('invalid_currency');
    });
  });

  describe('UpdateRecord', () => {
    it('moves to a configured stage, recomputing probability and weighted amount', () => {
      given(opened).when({ type: 'UpdateRecord', changes: { stage: 'negotiation' }, config })
        .then({ type: 'OpportunityUpdated', data: { changes: { stage: 'negotiation', probability: 80, weightedAmount: eur(80_000) } } });
    });
    it('reweighs a new amount at the current probability', () => {
      given(opened).when({ type: 'UpdateRecord', changes: { amount: eur(50_000) }, config })
        .then({ type: 'OpportunityUpdated', data: { changes: { amount: eur(50_000), weightedAmount: eur(5_000) } } });
    });
    it('refuses an unconfigured stage (422) and a stage change once closed (409)', () => {
      given(opened).when({ type: 'UpdateRecord', changes: { stage: 'nope' }, config }).thenFails('invalid_stage');
      given(opened, won).when({ type: 'UpdateRecord', changes: { stage: 'proposal' }, config }).thenFails('opportunity_closed');
    });
    it('refuses a new amount or currency once won or lost (409 opportunity_closed), an unchanged one changing nothing', () => {
      for (const closed of [won, lost]) {
        given(opened, closed).when({ type: 'UpdateRecord', changes: { amount: eur(1) }, config }).thenFails('opportunity_closed');
        given(opened, closed).when({ type: 'UpdateRecord', changes: { amount: usd(100_000) }, config }).thenFails('opportunity_closed');
        given(opened, closed).when({ type: 'UpdateRecord', changes: { amount: null }, config }).thenFails('opportunity_closed');
        given(opened, closed).when({ type: 'UpdateRecord', changes: { amount: eur(100_000) }, config }).then();
      }
    });
    it('merges a partial amount into the amount (RFC 7386): it keeps its currency and is reweighed', () => {
      given(opened).when({ type: 'UpdateRecord', changes: { amount: { amount: 50_000 } }, config })
        .then({ type: 'OpportunityUpdated', data: { changes: { amount: eur(50_000), weightedAmount: eur(5_000) } } });
      given(opened).when({ type: 'UpdateRecord', changes: { amount: { currency: 'USD' } }, config })
        .then({ type: 'OpportunityUpdated', data: { changes: { amount: usd(100_000), weightedAmount: usd(10_000) } } });
    });
    it('checks the merged amount: an unconfigured currency (422), a currency removed or missing (400), a change once closed (409)', () => {
      given(opened).when({ type: 'UpdateRecord', changes: { amount: { currency: 'JPY' } }, config }).thenFails('invalid_currency');
      given(opened).when({ type: 'UpdateRecord', changes: { amount: { currency: null } }, config }).thenFails('validation_failed');
      const unpriced = { ...opened, data: { ...opened.data, fields: { ...opened.data.fields, amount: undefined, weightedAmount: undefined } } };
      given(JSON.parse(JSON.stringify(unpriced))).when({ type: 'UpdateRecord', changes: { amount: { amount: 5 } }, config }).thenFails('validation_failed');
      for (const closed of [won, lost]) {
        given(opened, closed).when({ type: 'UpdateRecord', changes: { amount: { currency: 'USD' } }, config }).thenFails('opportunity_closed');
        given(opened, closed).when({ type: 'UpdateRecord', changes: { amount: { amount: 100_000 } }, config }).then();
      }
    });
    it('takes an unchanged amount in a currency removed from the configuration since (no change); a new amount in it is a 422', () => {
      const noEuro = { ...config, currencies: ['USD'], defaultCurrency: 'USD' };
      given(opened).when({ type: 'UpdateRecord', changes: { name: 'Renamed', amount: eur(100_000) }, config: noEuro })
        .then({ type: 'OpportunityUpdated', data: { changes: { name: 'Renamed' } } });
      given(opened, won).when({ type: 'UpdateRecord', changes: { name: 'Renamed', amount: eur(100_000) }, config: noEuro })
        .then({ type: 'OpportunityUpdated', data: { changes: { name: 'Renamed' } } });
      given(opened).when({ type: 'UpdateRecord', changes: { amount: eur(5) }, config: noEuro }).thenFails('invalid_currency');
    });
    it('takes a closed deal\'s stage and pipeline sent again unchanged (no change); another stage is a 409', () => {
      given(opened, won).when({ type: 'UpdateRecord', changes: { name: 'Renamed', pipeline: 'default', stage: 'won', amount: eur(100_000) }, config })
        .then({ type: 'OpportunityUpdated', data: { changes: { name: 'Renamed' } } });
      given(opened, lost).when({ type: 'UpdateRecord', changes: { name: 'Renamed', stage: 'lost' }, config })
        .then({ type: 'OpportunityUpdated', data: { changes: { name: 'Renamed' } } });
      given(opened, won).when({ type: 'UpdateRecord', changes: { stage: 'lost' }, config }).thenFails('opportunity_closed');
      given(opened, won).when({ type: 'UpdateRecord', changes: { pipeline: 'other' }, config }).thenFails('opportunity_closed');
    });
    it('still renames a closed opportunity', () => {
      given(opened, won).when({ type: 'UpdateRecord', changes: { name: 'Renamed', amount: eur(100_000) }, config })
        .then({ type: 'OpportunityUpdated', data: { changes: { name: 'Renamed' } } });
    });
  });

  describe('WinOpportunity / LoseOpportunity', () => {
    it('wins an open opportunity at its full amount', () => {
      given(opened).when({ type: 'WinOpportunity' }).then(won);
    });
    it('wins at the accepted quote\'s net total, in its currency, naming the quote', () => {
      given(opened).when({ type: 'WinOpportunity', byQuote }).then(wonByQuote);
    });
    it('keeps the won amount: reopened, it is weighed at the new stage', () => {
      given(opened, wonByQuote).when({ type: 'ReopenOpportunity', stage: 'proposal', config })
        .then({ type: 'OpportunityReopened', data: { stage: 'proposal', probability: 50, weightedAmount: usd(191_880) } });
    });
    it('loses an open opportunity with a reason', () => {
      given(opened).when({ type: 'LoseOpportunity', reason: 'price', acceptedQuote: null }).then(lost);
    });
    it('needs a reason to lose: missing, empty or blank is a 422 reason_required', () => {
      given(opened).when({ type: 'LoseOpportunity', reason: ' ', acceptedQuote: null }).thenFails('reason_required');
      given(opened).when({ type: 'LoseOpportunity', reason: '', acceptedQuote: null }).thenFails('reason_required');
      given(opened).when({ type: 'LoseOpportunity', acceptedQuote: null }).thenFails('reason_required');
    });
    it('refuses to win or lose a closed opportunity (409 opportunity_closed)', () => {
      given(opened, won).when({ type: 'WinOpportunity' }).thenFails('opportunity_closed');
      given(opened, won).when({ type: 'WinOpportunity', byQuote }).thenFails('opportunity_closed');
      given(opened, lost).when({ type: 'LoseOpportunity', reason: 'x', acceptedQuote: null }).thenFails('opportunity_closed');
      given(opened).when({ type: 'LoseOpportunity', reason: 'price', acceptedQuote: 'q-1' }).thenFails('quote_accepted');
      given(opened, lost).when({ type: 'WinOpportunity' }).thenFails('opportunity_closed');
    });
    it('refuses a missing opportunity (404)', () => {
      given().when({ type: 'WinOpportunity' }).thenFails('not_found');
    });
  });

  describe('ReopenOpportunity', () => {
    it('returns a closed opportunity to a configured stage', () => {
      given(opened, lost).when({ type: 'ReopenOpportunity', stage: 'proposal', config })
        .then({ type: 'OpportunityReopened', data: { stage: 'proposal', probability: 50, weightedAmount: eur(50_000) } });
    });
    it('reopens into a stage of another pipeline named (its own may have left the configuration)', () => {
      const moved = { ...config, pipelines: [{ id: 'enterprise', name: 'Enterprise', stages: [{ id: 'pilot', name: 'Pilot', probability: 40 }] }], defaultPipeline: 'enterprise' };
      given(opened, lost).when({ type: 'ReopenOpportunity', stage: 'pilot', config: moved }).thenFails('invalid_pipeline');
      given(opened, lost).when({ type: 'ReopenOpportunity', stage: 'proposal', pipeline: 'enterprise', config: moved }).thenFails('invalid_stage');
      given(opened, lost).when({ type: 'ReopenOpportunity', stage: 'pilot', pipeline: 'enterprise', config: moved })
        .then({ type: 'OpportunityReopened', data: { pipeline: 'enterprise', stage: 'pilot', probability: 40, weightedAmount: eur(40_000) } });
      given(opened, lost).when({ type: 'ReopenOpportunity', stage: 'proposal', pipeline: 'default', config })
        .then({ type: 'OpportunityReopened', data: { stage: 'proposal', probability: 50, weightedAmount: eur(50_000) } });
    });
    it('refuses an open opportunity (409 opportunity_open) and an unconfigured stage (422)', () => {
      given(opened).when({ type: 'ReopenOpportunity', stage: 'proposal', config }).thenFails('opportunity_open');
      given(opened, won).when({ type: 'ReopenOpportunity', stage: 'lost', config }).thenFails('invalid_stage');
    });
  });

  describe('RelinkOpportunityContact', () => {
    const withContact = { ...opened, data: { ...opened.data, fields: { ...opened.data.fields, contactId: 'c-loser' } } };
    const relink = { type: 'RelinkOpportunityContact' as const, from: 'c-loser', to: 'c-survivor' };
    const relinked = { type: 'OpportunityContactRelinked', data: { from: 'c-loser', to: 'c-survivor' } };
    const archivedDeal = { type: 'OpportunityArchived', data: { reason: null } };
    it('moves a deal of the loser to the survivor, open, won, lost or archived alike', () => {
      given(withContact).when(relink).then(relinked);
      given(withContact, won).when(relink).then(relinked);
      given(withContact, lost).when(relink).then(relinked);
      given(withContact, won, archivedDeal).when(relink).then(relinked);
    });
    it('does nothing once moved (a retried or repeated merge), for a deal of another contact or none, or a missing deal', () => {
      given(withContact, relinked).when(relink).then();
      given(opened).when(relink).then();
      given(withContact).when({ ...relink, from: 'c-other' }).then();
      given().when(relink).then();
    });
    it('leaves the deal\'s status and stage as they were: a won deal stays won at its amount', () => {
      given(withContact, won, relinked).when({ type: 'UpdateRecord', changes: { stage: 'proposal' }, config }).thenFails('opportunity_closed');
      given(withContact, won, relinked).when({ type: 'ReopenOpportunity', stage: 'proposal', config })
        .then({ type: 'OpportunityReopened', data: { stage: 'proposal', probability: 50, weightedAmount: eur(50_000) } });
    });
  });
});
