/**
 * `/sales/quotes`: the generic record routes over the quote's own decider, each command carrying
 * the tenant's sales configuration; a create is numbered before it is answered. Its rules:
 * `POST /:id/send` (422 `currency_mismatch` when its opportunity's amount is in another currency;
 * schedules the expiry timer), `/:id/accept` (409 `opportunity_closed` while its opportunity is
 * lost, 409 `record_archived` while it is archived, 422 `currency_mismatch` as at send; enqueues
 * the acceptance reactor when the quote is for an opportunity),
 * `/:id/reject { reason }`, `/:id/revise`.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { authorize } from '../../access/policy.js';
import { handleCommand } from '../../commands/handle.js';
import { quoteAggregate, type ConfiguredQuoteCommand, type QuoteCommand, type QuoteState } from '../../commands/sales/quote.js';
import { completeNumbering, numberQuote, quoteStateOf } from '../../commands/sales/quote-numbering.js';
import { validator } from '../../commands/validate.js';
import { accountKind } from '../../events/sales/account.js';
import { opportunityKind } from '../../events/sales/opportunity.js';
import { RULE_REASON } from '../../events/catalogue.js';
import { quoteKind } from '../../events/sales/quote.js';
import { reactToAcceptance, scheduleExpiry } from '../../jobs/sales/quotes.js';
import { salesConfigOf } from '../../queries/sales/config.js';
import { principalOf } from '../authenticate.js';
import { answerWrite } from '../command-context.js';
import { emptyBody, recordRequest, sendCommand, type RecordResource, type RouteDeps } from '../records.js';
import { acceptanceFacts, dealFactsOf, underDealLock } from './quote-acceptance.js';

export const rejectBody = validator<{ reason?: string }>({ type: 'object', additionalProperties: false, properties: { reason: RULE_REASON } });

const bodyOf = (ctx: Context): unknown => (ctx.request as { body?: unknown }).body ?? {};

const UPDATE = 'sales.quotes:update';

/** Sends a rule command to the quote `ctx.params.id` and answers it; returns its result and the quote as it is now. */
const rule = async (deps: RouteDeps, ctx: Context, command: QuoteCommand) => {
  const request = recordRequest<QuoteState>(deps, ctx, UPDATE);
  const result = await handleCommand(deps, quoteAggregate, { ...request, command });
  answerWrite(ctx, 200, result);
  return { result, quote: await quoteStateOf(deps, request.context.tenantId, request.id) };
};

const opportunityIdOf = (quote: QuoteState): string | undefined => {
  const opportunityId = quote.status === 'none' ? undefined : quote.fields.opportunityId;
  return typeof opportunityId === 'string' ? opportunityId : undefined;
};

// 1. the quote is numbered; 2. the opportunity's facts are read; 3. it is sent and its expiry timer scheduled.
const send = (deps: RouteDeps) => async (ctx: Context) => {
  emptyBody(bodyOf(ctx));
  const principal = principalOf(ctx.state);
  authorize(principal, UPDATE);
  const { config } = await salesConfigOf(deps, principal.tenantId);
  const request = recordRequest<QuoteState>(deps, ctx, UPDATE);
  const draft = await quoteStateOf(deps, principal.tenantId, request.id);
  request.guard?.(draft); // before numbering writes anything
  await completeNumbering(deps, request.id, request.context, config.quoteNumbering);
  const deal = await dealFactsOf(deps, principal.tenantId, opportunityIdOf(draft));
  const { quote } = await rule(deps, ctx, { type: 'SendQuote', today: request.context.now.toISOString().slice(0, 10), config, deal });
  if (quote.status === 'sent' && deps.jobs) {
    await scheduleExpiry(deps.jobs, { tenantId: principal.tenantId, quoteId: request.id, validUntil: String(quote.fields.validUntil) }, request.context.now);
  }
};

const opportunityOf = async (deps: RouteDeps, tenantId: string, quoteId: string): Promise<string | undefined> =>
  opportunityIdOf(await quoteStateOf(deps, tenantId, quoteId));

// 1. find the opportunity; 2. lock its acceptances; 3. read what the decision needs and accept;
// 4. enqueue the reactor (wins the deal, rejects the siblings).
const accept = (deps: RouteDeps) => async (ctx: Context) => {
  emptyBody(bodyOf(ctx));
  const [tenantId, quoteId] = [principalOf(ctx.state).tenantId, ctx.params.id!];
  const opportunityId = await opportunityOf(deps, tenantId, quoteId);
  await underDealLock(deps, tenantId, opportunityId, async (locked) => {
    const facts = await acceptanceFacts(locked, ctx, quoteId, opportunityId);
    const { result, quote } = await rule(locked, ctx, { type: 'AcceptQuote', today: deps.clock().toISOString().slice(0, 10), ...facts });
    if (quote.status === 'accepted' && opportunityId && deps.jobs) {
      await reactToAcceptance(deps.jobs, { tenantId, quoteId, opportunityId, position: Number(result.position) });
    }
  });
};

const quoteRules = (router: Router, deps: RouteDeps): void => {
  router.post('/:id/send', send(deps));
  router.post('/:id/accept', accept(deps));
  router.post('/:id/reject', (ctx) => sendCommand(deps, quoteAggregate, UPDATE, ctx, { type: 'RejectQuote', reason: rejectBody(bodyOf(ctx)).reason }));
  router.post('/:id/revise', (ctx) => {
    emptyBody(bodyOf(ctx));
    return sendCommand(deps, quoteAggregate, UPDATE, ctx, { type: 'ReviseQuote' });
  });
};

export const quotesResource: RecordResource<QuoteState, ConfiguredQuoteCommand> = {
  kind: quoteKind,
  links: { opportunityId: opportunityKind, accountId: accountKind },
  aggregate: quoteAggregate,
  permission: 'sales.quotes',
  path: '/sales/quotes',
  prepare: async (command, deps, tenantId) => ({ ...command, config: (await salesConfigOf(deps, tenantId)).config }),
  routes: quoteRules,
  created: async (deps, id, context) => numberQuote(deps, id, context, (await salesConfigOf(deps, context.tenantId)).config.quoteNumbering),
};
