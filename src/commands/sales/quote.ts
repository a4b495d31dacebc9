/**
 * The Quote aggregate: an explicit decider over a state union on `status` (draft, sent, accepted,
 * rejected, expired). Only a draft changes (409 `quote_not_draft`); its lines are priced and its
 * totals computed against the tenant's sales configuration, which generic commands carry (`config`).
 * A quote is numbered once (the number comes from the tenant's counter, `quote-numbering.ts`),
 * sent while numbered, valid, in a currency still configured and for an opportunity and/or an
 * account (a draft may lack them) in the opportunity's currency when it has an amount, then
 * accepted while valid and its opportunity can be won by it (the opportunity's facts are inputs,
 * read before: `DealFacts`), rejected (with
 * a reason) or expired by its timer (`today` past `validUntil`; otherwise nothing, so an early or
 * repeated timer is harmless). A sent, rejected or expired quote is revised into a draft of the
 * next revision, keeping its number.
 */
import { ConflictError, NotFoundError, RuleViolationError } from '../../errors.js';
import { hasText } from '../../events/catalogue.js';
import type { JsonObject } from '../../events/log/port.js';
import type { SalesConfig } from '../../events/sales/config.js';
import {
  QUOTE_ACCEPTED, QUOTE_EXPIRED, QUOTE_NUMBERED, QUOTE_REJECTED, QUOTE_REVISED, QUOTE_SENT, quoteKind,
  type LineInput, type PricedLine, type QuoteOwnEvent, type QuoteStatus,
} from '../../events/sales/quote.js';
import { unreachable, type Decider, type DomainEvent } from '../decider.js';
import type { Aggregate } from '../handle.js';
import { bodyOf, genericPart, isGenericCommand, liveBody, type LiveBody } from '../rule-record.js';
import { assertStillPriced, keptLineInput, pricedFields, quoteCurrency } from './quote-pricing.js';
import { assertLinksFound, type LinkCheckedRecordCommand } from '../record-links.js';

export type QuoteState = { status: 'none' } | ({ status: QuoteStatus } & LiveBody);
type Existing = Exclude<QuoteState, { status: 'none' }>;

/** A generic command with the tenant's sales configuration it is decided against, and its links as the log holds them. */
export type ConfiguredQuoteCommand = LinkCheckedRecordCommand & { config: SalesConfig };

/**
 * The opportunity a quote is for, as read just before: `none` when the tenant holds no such record;
 * otherwise its status, whether it is archived, and its amount's currency (null: no amount yet).
 */
export type DealFacts = { status: 'none' } | { status: 'open' | 'won' | 'lost'; archived: boolean; currency: string | null };

/**
 * `today`: the UTC date (`YYYY-MM-DD`) the command is decided on. `deal`: the facts of the
 * opportunity the quote is for (null when it names none); `acceptedSibling`: another quote of that
 * opportunity already accepted (read under the opportunity's acceptance lock, as `deal` is then).
 */
export type QuoteCommand =
  | ConfiguredQuoteCommand
  | { type: 'NumberQuote'; number: string }
  | { type: 'SendQuote'; today: string; config: SalesConfig; deal: DealFacts | null }
  | { type: 'AcceptQuote'; today: string; deal: DealFacts | null; acceptedSibling: string | null }
  | { type: 'RejectQuote'; reason?: string }
  | { type: 'ExpireQuote'; today: string }
  | { type: 'ReviseQuote' };

const generic = genericPart(quoteKind);

const OWN: readonly string[] = [QUOTE_NUMBERED, QUOTE_SENT, QUOTE_ACCEPTED, QUOTE_REJECTED, QUOTE_EXPIRED, QUOTE_REVISED];

const statusAfter = (event: QuoteOwnEvent, status: QuoteStatus): QuoteStatus => {
  switch (event.type) {
    case QUOTE_NUMBERED:
      return status;
    case QUOTE_SENT:
      return 'sent';
    case QUOTE_ACCEPTED:
      return 'accepted';
    case QUOTE_REJECTED:
      return 'rejected';
    case QUOTE_EXPIRED:
      return 'expired';
    case QUOTE_REVISED:
      return 'draft';
    default:
      return unreachable(event);
  }
};

const evolve = (state: QuoteState, event: DomainEvent): QuoteState => {
  const body = generic.evolve(bodyOf(state), event);
  if (body === undefined) return state;
  if (state.status === 'none') return { ...body, status: 'draft' };
  return { ...body, status: OWN.includes(event.type) ? statusAfter(event as QuoteOwnEvent, state.status) : state.status };
};

// ---------------------------------------------------------------------------------------------
// Generic commands: a create or a draft's change is priced; nothing else changes a sent quote
// ---------------------------------------------------------------------------------------------

const createdFields = (fields: JsonObject, config: SalesConfig): JsonObject => {
  const currency = quoteCurrency(fields.currency, config);
  const priced = pricedFields(fields.lines as unknown as LineInput[], currency, config);
  return { ...fields, currency, ...priced, quoteStatus: 'draft', quoteRevision: 1 };
};

const draft = (state: QuoteState): Existing => {
  const body = liveBody(bodyOf(state));
  if (state.status !== 'draft') throw new ConflictError('quote_not_draft', `The quote is ${state.status}; only a draft changes`);
  return { ...body, status: state.status };
};

const changedFields = (state: QuoteState, changes: JsonObject, config: SalesConfig): JsonObject => {
  const { fields } = draft(state);
  if (!('lines' in changes) && !('currency' in changes)) return changes;
  const currency = quoteCurrency('currency' in changes ? changes.currency : fields.currency, config);
  const lines = (changes.lines as unknown as LineInput[] | undefined) ?? (fields.lines as unknown as PricedLine[]).map(keptLineInput(config));
  return { ...changes, currency, ...pricedFields(lines, currency, config) };
};

const decideConfigured = ({ config, ...command }: ConfiguredQuoteCommand, state: QuoteState): DomainEvent[] => {
  if (command.type === 'CreateRecord') return generic.decide({ ...command, fields: createdFields(command.fields, config) }, bodyOf(state));
  if (command.type !== 'UpdateRecord') return generic.decide(command, bodyOf(state));
  return generic.decide({ ...command, changes: changedFields(state, command.changes, config) }, bodyOf(state));
};

/** A generic command; its `opportunityId` and `accountId` name records of the tenant (read before, `record-links.ts`). */
const decideGeneric = ({ links, ...command }: ConfiguredQuoteCommand, state: QuoteState): DomainEvent[] => {
  const events = decideConfigured(command, state);
  assertLinksFound(links, bodyOf(state)?.fields);
  return events;
};

// ---------------------------------------------------------------------------------------------
// The quote's own commands
// ---------------------------------------------------------------------------------------------

const existing = (state: QuoteState): Existing => {
  if (state.status === 'none') throw new NotFoundError('No such record');
  return state;
};

const inStatus = (state: QuoteState, allowed: readonly QuoteStatus[], code: string): Existing => {
  const quote = { ...liveBody(bodyOf(state)), status: existing(state).status };
  if (!allowed.includes(quote.status)) throw new ConflictError(code, `The quote is ${quote.status}`, { status: quote.status });
  return quote;
};

const numberQuote = (state: QuoteState, number: string): QuoteOwnEvent[] => {
  const current = existing(state).fields.number;
  if (current === number) return [];
  if (current !== undefined) throw new ConflictError('quote_numbered', `The quote is numbered ${String(current)} already`);
  return [{ type: QUOTE_NUMBERED, data: { number } }];
};

/**
 * 422 `currency_mismatch` when the quote's opportunity has an amount in another currency: winning
 * the deal at the quote's net total would change its currency (a deal without an amount takes the quote's).
 */
const assertDealCurrency = (fields: JsonObject, deal: DealFacts | null): void => {
  if (deal === null || deal.status === 'none' || deal.currency === null || deal.currency === fields.currency) return;
  const [quoteCurrency, opportunityCurrency, opportunityId] = [String(fields.currency), deal.currency, fields.opportunityId];
  throw new RuleViolationError('currency_mismatch', `The quote is in ${quoteCurrency}; its opportunity ${String(opportunityId)} is in ${opportunityCurrency}`, {
    quoteCurrency, opportunityCurrency, opportunityId,
  });
};

const send = (state: QuoteState, { today, config, deal }: Extract<QuoteCommand, { type: 'SendQuote' }>): QuoteOwnEvent[] => {
  const { fields } = inStatus(state, ['draft'], 'quote_not_draft');
  quoteCurrency(fields.currency, config); // still configured: accepting it wins its deal in that currency
  assertStillPriced((fields.lines ?? []) as unknown as PricedLine[], config);
  if (fields.number === undefined) throw new ConflictError('quote_unnumbered', 'The quote has no number yet; retry');
  if (typeof fields.opportunityId !== 'string' && typeof fields.accountId !== 'string') {
    throw new RuleViolationError('party_required', 'A quote is sent for an opportunity, an account or both');
  }
  const validUntil = String(fields.validUntil);
  if (validUntil < today) throw new RuleViolationError('valid_until_past', `The quote is valid until ${validUntil}, before today`);
  assertDealCurrency(fields, deal);
  return [{ type: QUOTE_SENT, data: { revision: Number(fields.quoteRevision), validUntil } }];
};

/** The opportunity an acceptance wins (the acceptance reactor): the tenant's, not archived, not lost, in the quote's currency. */
const assertDealWinnable = (fields: JsonObject, deal: DealFacts | null): void => {
  if (deal === null) return;
  const opportunityId = fields.opportunityId;
  // Only a quote stored before its links were checked can name an opportunity the tenant lacks: no deal to win.
  if (deal.status === 'none') throw new RuleViolationError('linked_record_not_found', 'opportunityId names no record of this tenant', { field: 'opportunityId', id: opportunityId });
  if (deal.archived) {
    throw new ConflictError('record_archived', `The quote's opportunity ${String(opportunityId)} is archived; restore it before accepting the quote`, { opportunityId });
  }
  if (deal.status === 'lost') throw new ConflictError('opportunity_closed', 'The quote\'s opportunity is lost; reopen it before accepting the quote');
  assertDealCurrency(fields, deal);
};

/**
 * Accepts a sent quote still valid `today` (its expiry timer may not have run yet) whose
 * opportunity the acceptance can win (the acceptance reactor; a lost one is reopened first, an
 * archived one restored) and has no other accepted quote (the reactor rejects the others, but not at once).
 */
const accept = (state: QuoteState, { today, deal, acceptedSibling }: Extract<QuoteCommand, { type: 'AcceptQuote' }>): QuoteOwnEvent[] => {
  const { fields } = inStatus(state, ['sent'], 'quote_not_sent');
  if (String(fields.validUntil) < today) throw new ConflictError('quote_expired', `The quote was valid until ${String(fields.validUntil)}`);
  assertDealWinnable(fields, deal);
  if (acceptedSibling) {
    throw new ConflictError('quote_sibling_accepted', 'Another quote of this opportunity was accepted', { acceptedQuoteId: acceptedSibling });
  }
  return [{ type: QUOTE_ACCEPTED, data: { opportunityId: typeof fields.opportunityId === 'string' ? fields.opportunityId : null } }];
};

const reject = (state: QuoteState, reason: string | undefined): QuoteOwnEvent[] => {
  if (!hasText(reason)) throw new RuleViolationError('reason_required', 'Rejecting a quote needs a reason');
  inStatus(state, ['draft', 'sent'], 'quote_closed');
  return [{ type: QUOTE_REJECTED, data: { reason } }];
};

const expire = (state: QuoteState, today: string): QuoteOwnEvent[] => {
  const quote = existing(state);
  const validUntil = String(quote.fields.validUntil);
  return quote.status === 'sent' && validUntil < today ? [{ type: QUOTE_EXPIRED, data: { validUntil } }] : [];
};

const revise = (state: QuoteState): QuoteOwnEvent[] => {
  const { fields } = inStatus(state, ['sent', 'rejected', 'expired'], 'quote_not_revisable');
  return [{ type: QUOTE_REVISED, data: { revision: Number(fields.quoteRevision) + 1 } }];
};

const decide = (command: QuoteCommand, state: QuoteState): DomainEvent[] => {
  if (isGenericCommand(command)) return decideGeneric(command, state);
  switch (command.type) {
    case 'NumberQuote':
      return numberQuote(state, command.number);
    case 'SendQuote':
      return send(state, command);
    case 'AcceptQuote':
      return accept(state, command);
    case 'RejectQuote':
      return reject(state, command.reason);
    case 'ExpireQuote':
      return expire(state, command.today);
    case 'ReviseQuote':
      return revise(state);
    default:
      return unreachable(command);
  }
};

export const quoteDecider: Decider<QuoteCommand, DomainEvent, QuoteState> = { initialState: () => ({ status: 'none' }), evolve, decide };

export const quoteAggregate: Aggregate<QuoteCommand, DomainEvent, QuoteState> = { type: quoteKind.type, decider: quoteDecider };
