/**
 * Quotations (Sales): an offer to an account and/or for an opportunity, in one currency, with
 * priced lines. The server computes each line's net and the totals (see `quote-totals.ts`) and
 * keeps them, the number, the lifecycle status and the revision in the record's fields, so reads,
 * lists and exports show them; numbering, sending, accepting, rejecting, expiring and revising
 * are the quote's own events.
 */
import type { RecordKind } from '../catalogue.js';
import type { JsonObject } from '../log/port.js';
import { MONEY_SCHEMA, type Money } from './money.js';

export const QUOTE_NUMBERED = 'QuoteNumbered';
export const QUOTE_SENT = 'QuoteSent';
export const QUOTE_ACCEPTED = 'QuoteAccepted';
export const QUOTE_REJECTED = 'QuoteRejected';
export const QUOTE_EXPIRED = 'QuoteExpired';
export const QUOTE_REVISED = 'QuoteRevised';

export type QuoteOwnEvent =
  | { type: typeof QUOTE_NUMBERED; data: { number: string } }
  | { type: typeof QUOTE_SENT; data: { revision: number; validUntil: string } }
  | { type: typeof QUOTE_ACCEPTED; data: { opportunityId: string | null } }
  | { type: typeof QUOTE_REJECTED; data: { reason: string } }
  | { type: typeof QUOTE_EXPIRED; data: { validUntil: string } }
  | { type: typeof QUOTE_REVISED; data: { revision: number } };

/** A line as the client sends it: a product of the price book (its price unless given) or free text with a price. */
export type LineInput = {
  productId?: string; description?: string; quantity: number; unitPrice?: Money; discountBasisPoints?: number; taxRateId: string;
};

/** A line as the quote keeps it: priced, its tax rate resolved, its net computed. */
export type PricedLine = {
  productId?: string; description: string; quantity: number; unitPrice: Money; discountBasisPoints: number;
  taxRateId: string; taxBasisPoints: number; net: Money;
};

export type TaxLine = { taxRateId: string; basisPoints: number; base: Money; tax: Money };
export type QuoteTotals = { subtotal: Money; taxes: TaxLine[]; total: Money };

const ID = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$' };
const SLUG = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,49}$' };

const DESCRIPTION = { type: 'string', minLength: 1, maxLength: 500 };

const LINE: JsonObject = {
  type: 'object',
  additionalProperties: false,
  required: ['quantity', 'taxRateId'],
  // A product line, or a free-text line with its price.
  anyOf: [
    { type: 'object', properties: { productId: SLUG }, required: ['productId'] },
    { type: 'object', properties: { description: DESCRIPTION, unitPrice: MONEY_SCHEMA }, required: ['description', 'unitPrice'] },
  ],
  properties: {
    productId: SLUG,
    description: DESCRIPTION,
    // Hours, kilograms, licences: up to three decimals (exact in thousandths, see quote-totals.ts).
    quantity: { type: 'number', minimum: 0.001, maximum: 1_000_000, multipleOf: 0.001 },
    unitPrice: MONEY_SCHEMA,
    discountBasisPoints: { type: 'integer', minimum: 0, maximum: 10_000 },
    taxRateId: SLUG,
  },
};

export const QUOTE_STATUSES = ['draft', 'sent', 'accepted', 'rejected', 'expired'] as const;
export type QuoteStatus = (typeof QUOTE_STATUSES)[number];

export const quoteKind: RecordKind = {
  type: 'sales.quote',
  eventPrefix: 'Quote',
  fields: {
    title: { type: 'string', minLength: 1, maxLength: 200 },
    opportunityId: ID,
    accountId: ID,
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    validUntil: { type: 'string', format: 'date' },
    lines: {
      type: 'array', minItems: 1, maxItems: 100, items: LINE,
      examples: [[{ description: 'Consulting day', quantity: 2, unitPrice: { amount: 80_000, currency: 'EUR' }, taxRateId: 'standard' }]],
    },
    notes: { type: 'string', maxLength: 4000 },
    number: { type: 'string', maxLength: 60 },
    quoteStatus: { type: 'string', enum: [...QUOTE_STATUSES] },
    quoteRevision: { type: 'integer', minimum: 1 },
    subtotal: MONEY_SCHEMA,
    taxes: { type: 'array' },
    total: MONEY_SCHEMA,
    rejectedReason: { type: 'string', maxLength: 500 },
  },
  required: ['title', 'validUntil', 'lines'],
  personal: [],
  classification: {
    title: 'internal', opportunityId: 'internal', accountId: 'internal', currency: 'internal', validUntil: 'internal',
    lines: 'confidential', notes: 'internal', number: 'internal', quoteStatus: 'internal', quoteRevision: 'internal',
    subtotal: 'confidential', taxes: 'confidential', total: 'confidential', rejectedReason: 'internal',
  },
  filterable: ['title', 'number', 'quoteStatus', 'opportunityId', 'accountId', 'currency', 'validUntil', 'quoteRevision', 'total.amount'],
  sortable: ['number', 'title', 'validUntil', 'total.amount'],
  searchable: ['title', 'number', 'notes'],
  readOnly: ['number', 'quoteStatus', 'quoteRevision', 'subtotal', 'taxes', 'total', 'rejectedReason'],
  effects: {
    Numbered: (data: JsonObject) => ({ number: data.number ?? null }),
    Sent: () => ({ quoteStatus: 'sent' }),
    Accepted: () => ({ quoteStatus: 'accepted' }),
    Rejected: (data: JsonObject) => ({ quoteStatus: 'rejected', rejectedReason: data.reason ?? null }),
    Expired: () => ({ quoteStatus: 'expired' }),
    Revised: (data: JsonObject) => ({ quoteStatus: 'draft', quoteRevision: data.revision ?? null, rejectedReason: null }),
  },
};
