/**
 * The Opportunity aggregate: an explicit decider over a state union on `status` (open, won, lost).
 * Stages come from the tenant's sales configuration, which generic commands carry as an input
 * (`config`): only configured open stages are accepted (422), probability and weighted amount
 * follow the stage and amount. Win and lose only from an open stage (lost needs a reason); a win by
 * an accepted quote sets the amount to the quote's net total. A closed deal's stage and amount are
 * fixed (409 `opportunity_closed`) until reopen returns it to a stage (of its pipeline, or of another one
 * named: a closed deal's pipeline may have left the configuration). A contact merge moves a deal
 * of the loser to the survivor in any status, archived too (`RelinkOpportunityContact`).
 */
import { ConflictError, RuleViolationError } from '../../errors.js';
import { CLOSING_STAGES, openStageOf, pipelineOf, type SalesConfig, type Stage } from '../../events/sales/config.js';
import { hasText } from '../../events/catalogue.js';
import { canonicalJson } from '../../events/log/canonical-json.js';
import type { JsonObject } from '../../events/log/port.js';
import { weightedMoney, type Money } from '../../events/sales/money.js';
import {
  OPPORTUNITY_CONTACT_RELINKED, OPPORTUNITY_LOST, OPPORTUNITY_REOPENED, OPPORTUNITY_WON, opportunityKind, type OpportunityOwnEvent,
} from '../../events/sales/opportunity.js';
import { patchedFields } from '../catalogue.js';
import { unreachable, type Decider, type DomainEvent } from '../decider.js';
import type { Aggregate } from '../handle.js';
import { bodyOf, genericPart, isGenericCommand, liveBody, type LiveBody } from '../rule-record.js';
import { assertLinksFound, type LinkCheckedRecordCommand } from '../record-links.js';

export type OpportunityState =
  | { status: 'none' }
  | ({ status: 'open' } & LiveBody)
  | ({ status: 'won' } & LiveBody)
  | ({ status: 'lost'; reason: string } & LiveBody);

/** A generic command with the tenant's sales configuration it is decided against, and its links as the log holds them. */
export type ConfiguredCommand = LinkCheckedRecordCommand & { config: SalesConfig };

export type OpportunityCommand =
  | ConfiguredCommand
  /** `byQuote`: the accepted quote that wins it, and its net total (subtotal before tax, in its currency), the deal's amount from then on. */
  | { type: 'WinOpportunity'; byQuote?: { quoteId: string; amount: Money } }
  /** `acceptedQuote`: a quote of the deal accepted since its last reopening (its reactor wins the deal), as read just before. */
  | { type: 'LoseOpportunity'; reason?: string; acceptedQuote: string | null }
  /** `pipeline`: another pipeline to reopen in (default: its own, which may have left the configuration). */
  | { type: 'ReopenOpportunity'; stage: string; pipeline?: string; config: SalesConfig }
  /** A contact merge's step: the deal of contact `from` (the loser) becomes `to`'s (the survivor's), open, closed or archived. */
  | { type: 'RelinkOpportunityContact'; from: string; to: string };

const generic = genericPart(opportunityKind);

const OWN = [OPPORTUNITY_WON, OPPORTUNITY_LOST, OPPORTUNITY_REOPENED, OPPORTUNITY_CONTACT_RELINKED];

const evolveOwn = (event: OpportunityOwnEvent, body: LiveBody, state: OpportunityState): OpportunityState => {
  switch (event.type) {
    case OPPORTUNITY_CONTACT_RELINKED:
      return { ...state, ...body } as OpportunityState;
    case OPPORTUNITY_WON:
      return { ...body, status: 'won' };
    case OPPORTUNITY_LOST:
      return { ...body, status: 'lost', reason: event.data.reason };
    case OPPORTUNITY_REOPENED:
      return { ...body, status: 'open' };
    default:
      return unreachable(event);
  }
};

const evolve = (state: OpportunityState, event: DomainEvent): OpportunityState => {
  const body = generic.evolve(bodyOf(state), event);
  if (body === undefined) return state;
  if (OWN.includes(event.type)) return evolveOwn(event as OpportunityOwnEvent, body, state);
  return state.status === 'none' ? { ...body, status: 'open' } : { ...state, ...body };
};

// ---------------------------------------------------------------------------------------------
// Stages, probability and weighted amount
// ---------------------------------------------------------------------------------------------

const moneyOf = (value: unknown): Money | undefined => (typeof value === 'object' && value !== null ? (value as Money) : undefined);

const weightedOf = (amount: unknown, probability: number): Money | null => {
  const money = moneyOf(amount);
  return money ? weightedMoney(money, probability) : null;
};

/** The configured open stage, or a 422 naming what is configured. */
const stageIn = (config: SalesConfig, pipeline: string, stage: string): Stage => {
  if (!pipelineOf(config, pipeline)) {
    throw new RuleViolationError('invalid_pipeline', `No pipeline ${pipeline} is configured`, { pipelines: config.pipelines.map((p) => p.id) });
  }
  const found = openStageOf(config, pipeline, stage);
  if (found) return found;
  const closing = CLOSING_STAGES.some((s) => s.id === stage);
  throw new RuleViolationError('invalid_stage', closing ? `Use win or lose to move to ${stage}` : `No stage ${stage} in pipeline ${pipeline}`, {
    stages: pipelineOf(config, pipeline)!.stages.map((s) => s.id),
  });
};

const checkCurrency = (config: SalesConfig, amount: unknown): void => {
  const money = moneyOf(amount);
  if (money && !config.currencies.includes(money.currency)) {
    throw new RuleViolationError('invalid_currency', `${money.currency} is not a configured currency`, { currencies: config.currencies });
  }
};

/** The fields of a new opportunity: its pipeline and stage (defaults: the first stage of the default pipeline) and what follows. */
const createdFields = (fields: JsonObject, config: SalesConfig): JsonObject => {
  checkCurrency(config, fields.amount);
  const pipeline = typeof fields.pipeline === 'string' ? fields.pipeline : config.defaultPipeline;
  const stage = stageIn(config, pipeline, typeof fields.stage === 'string' ? fields.stage : pipelineOf(config, pipeline)?.stages[0]?.id ?? '');
  return { ...fields, pipeline, stage: stage.id, probability: stage.probability, weightedAmount: weightedOf(fields.amount, stage.probability) };
};

/** Whether a patch changes that field (the amount with its currency): a closed deal's amount, stage and pipeline are fixed until reopened. */
const changed = (field: string, fields: JsonObject, next: JsonObject): boolean => canonicalJson(next[field] ?? null) !== canonicalJson(fields[field] ?? null);

/**
 * A patch's changes with the probability and weighted amount they imply; stage and amount change
 * only while open. Read merged (`{ "amount": { "amount": 5 } }` keeps the currency).
 */
const updatedChanges = (state: Exclude<OpportunityState, { status: 'none' }>, patch: JsonObject, config: SalesConfig): JsonObject => {
  const next = patchedFields(opportunityKind, state.fields, patch);
  const reprices = changed('amount', state.fields, next);
  // An amount sent again unchanged is no change, even in a currency removed from the configuration since.
  if ('amount' in patch && reprices) checkCurrency(config, next.amount);
  // Unchanged, they are no change on a closed deal either (a form saving every field).
  if ((reprices || changed('stage', state.fields, next) || changed('pipeline', state.fields, next)) && state.status !== 'open') {
    throw new ConflictError('opportunity_closed', `The opportunity is ${state.status}; reopen it first`);
  }
  const moves = state.status === 'open' && ('stage' in patch || 'pipeline' in patch);
  const probability = moves ? stageIn(config, String(next.pipeline), String(next.stage)).probability : Number(state.fields.probability ?? 0);
  if (!moves && !('amount' in patch)) return patch;
  return { ...patch, probability, weightedAmount: weightedOf(next.amount, probability) };
};

// ---------------------------------------------------------------------------------------------
// Decide
// ---------------------------------------------------------------------------------------------

const open = (state: OpportunityState): Extract<OpportunityState, { status: 'open' }> => {
  liveBody(bodyOf(state));
  if (state.status !== 'open') throw new ConflictError('opportunity_closed', `The opportunity is ${state.status}; reopen it first`);
  return state;
};

/** Wins an open opportunity at its amount, or at the net total of the accepted quote that wins it. */
const win = (state: OpportunityState, { byQuote }: Extract<OpportunityCommand, { type: 'WinOpportunity' }>): OpportunityOwnEvent[] => {
  const { fields } = open(state);
  if (!byQuote) return [{ type: OPPORTUNITY_WON, data: { weightedAmount: weightedOf(fields.amount, 100) } }];
  const { quoteId, amount } = byQuote;
  return [{ type: OPPORTUNITY_WON, data: { weightedAmount: weightedMoney(amount, 100), amount, quoteId } }];
};

const lose = (state: OpportunityState, { reason, acceptedQuote }: Extract<OpportunityCommand, { type: 'LoseOpportunity' }>): OpportunityOwnEvent[] => {
  if (!hasText(reason)) throw new RuleViolationError('reason_required', 'A lost opportunity needs a reason');
  const { fields } = open(state);
  if (acceptedQuote) throw new ConflictError('quote_accepted', 'A quote of this opportunity was accepted: it is won', { acceptedQuoteId: acceptedQuote });
  return [{ type: OPPORTUNITY_LOST, data: { reason, weightedAmount: weightedOf(fields.amount, 0) } }];
};

const reopen = (state: OpportunityState, { stage: stageId, pipeline, config }: Extract<OpportunityCommand, { type: 'ReopenOpportunity' }>): OpportunityOwnEvent[] => {
  const body = liveBody(bodyOf(state));
  if (state.status === 'open') throw new ConflictError('opportunity_open', 'The opportunity is open already');
  const into = pipeline ?? String(body.fields.pipeline);
  const stage = stageIn(config, into, stageId);
  const moved = into !== body.fields.pipeline ? { pipeline: into } : {};
  const data = { ...moved, stage: stage.id, probability: stage.probability, weightedAmount: weightedOf(body.fields.amount, stage.probability) };
  return [{ type: OPPORTUNITY_REOPENED, data }];
};

/** The deal moves only while it names `from`: once moved (a retried or repeated merge) or gone, nothing. */
const relinkContact = (state: OpportunityState, { from, to }: Extract<OpportunityCommand, { type: 'RelinkOpportunityContact' }>): OpportunityOwnEvent[] =>
  bodyOf(state)?.fields.contactId === from && from !== to ? [{ type: OPPORTUNITY_CONTACT_RELINKED, data: { from, to } }] : [];

const decideConfigured = ({ config, ...command }: ConfiguredCommand, state: OpportunityState): DomainEvent[] => {
  if (command.type === 'CreateRecord') return generic.decide({ ...command, fields: createdFields(command.fields, config) }, bodyOf(state));
  if (command.type !== 'UpdateRecord' || state.status === 'none') return generic.decide(command, bodyOf(state));
  return generic.decide({ ...command, changes: updatedChanges(state, command.changes, config) }, bodyOf(state));
};

/** A generic command; its `accountId` and `contactId` name records of the tenant, the contact not merged (read before, `record-links.ts`). */
const decideGeneric = ({ links, ...command }: ConfiguredCommand, state: OpportunityState): DomainEvent[] => {
  const events = decideConfigured(command, state);
  assertLinksFound(links, bodyOf(state)?.fields);
  return events;
};

const decide = (command: OpportunityCommand, state: OpportunityState): DomainEvent[] => {
  if (isGenericCommand(command)) return decideGeneric(command, state);
  switch (command.type) {
    case 'WinOpportunity':
      return win(state, command);
    case 'LoseOpportunity':
      return lose(state, command);
    case 'ReopenOpportunity':
      return reopen(state, command);
    case 'RelinkOpportunityContact':
      return relinkContact(state, command);
    default:
      return unreachable(command);
  }
};

export const opportunityDecider: Decider<OpportunityCommand, DomainEvent, OpportunityState> = {
  initialState: () => ({ status: 'none' }),
  evolve,
  decide,
};

export const opportunityAggregate: Aggregate<OpportunityCommand, DomainEvent, OpportunityState> = {
  type: opportunityKind.type,
  decider: opportunityDecider,
};
