/**
 * Opportunities (Sales): a possible deal with an account, in a pipeline stage from the tenant's
 * sales configuration. Stage, probability and weighted amount (amount × probability) are kept in
 * the record's fields so reads and lists show them; won, lost and reopened are its own events,
 * and so is a contact merge moving the deal to the surviving contact (`OpportunityContactRelinked`). A win
 * caused by an accepted quote carries the quote's net total, which becomes the deal's amount.
 */
import type { RecordKind } from '../catalogue.js';
import type { JsonObject } from '../log/port.js';
import { MONEY_SCHEMA, type Money } from './money.js';

export const OPPORTUNITY_WON = 'OpportunityWon';
export const OPPORTUNITY_LOST = 'OpportunityLost';
export const OPPORTUNITY_REOPENED = 'OpportunityReopened';
export const OPPORTUNITY_CONTACT_RELINKED = 'OpportunityContactRelinked';

export type OpportunityOwnEvent =
  /** `amount` and `quoteId` when an accepted quote won it: the deal's amount becomes the quote's net total (its subtotal). */
  | { type: typeof OPPORTUNITY_WON; data: { weightedAmount: Money | null; amount?: Money; quoteId?: string } }
  | { type: typeof OPPORTUNITY_LOST; data: { reason: string; weightedAmount: Money | null } }
  /** `pipeline`: only when it reopens in another pipeline than its own. */
  | { type: typeof OPPORTUNITY_REOPENED; data: { pipeline?: string; stage: string; probability: number; weightedAmount: Money | null } }
  /** A contact merge moved the deal from the loser (`from`) to the survivor (`to`), whatever the deal's status. */
  | { type: typeof OPPORTUNITY_CONTACT_RELINKED; data: { from: string; to: string } };

const ID = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$' };
const SLUG = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,49}$' };

export const opportunityKind: RecordKind = {
  type: 'sales.opportunity',
  eventPrefix: 'Opportunity',
  fields: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    accountId: ID,
    contactId: ID,
    amount: MONEY_SCHEMA,
    expectedCloseDate: { type: 'string', format: 'date' },
    pipeline: SLUG,
    stage: SLUG,
    description: { type: 'string', maxLength: 2000 },
    probability: { type: 'integer', minimum: 0, maximum: 100 },
    weightedAmount: MONEY_SCHEMA,
    lostReason: { type: 'string', maxLength: 500 },
  },
  required: ['name'],
  personal: [],
  classification: {
    name: 'internal', accountId: 'internal', contactId: 'internal', amount: 'confidential', expectedCloseDate: 'internal',
    pipeline: 'internal', stage: 'internal', description: 'internal', probability: 'internal', weightedAmount: 'confidential',
    lostReason: 'internal',
  },
  filterable: [
    'name', 'accountId', 'contactId', 'pipeline', 'stage', 'amount.amount', 'amount.currency', 'expectedCloseDate', 'probability',
    'weightedAmount.amount',
  ],
  sortable: ['name', 'amount.amount', 'weightedAmount.amount', 'expectedCloseDate', 'probability'],
  searchable: ['name', 'description'],
  readOnly: ['probability', 'weightedAmount', 'lostReason'],
  effects: {
    Won: (data: JsonObject) => ({
      stage: 'won', probability: 100, weightedAmount: data.weightedAmount ?? null, ...(data.amount ? { amount: data.amount } : {}),
    }),
    Lost: (data: JsonObject) => ({ stage: 'lost', probability: 0, weightedAmount: data.weightedAmount ?? null, lostReason: data.reason ?? null }),
    Reopened: (data: JsonObject) => ({
      ...(typeof data.pipeline === 'string' ? { pipeline: data.pipeline } : {}), stage: data.stage ?? null, probability: data.probability ?? null, weightedAmount: data.weightedAmount ?? null, lostReason: null,
    }),
    ContactRelinked: (data: JsonObject) => ({ contactId: data.to ?? null }),
  },
};
