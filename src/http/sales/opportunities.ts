/**
 * `/sales/opportunities`: the generic record routes over the opportunity's own decider, each
 * command carrying the tenant's sales configuration, plus its rules: `POST /:id/win`,
 * `/:id/lose { reason }`, `/:id/reopen { stage, pipeline? }`.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { opportunityAggregate, type ConfiguredCommand, type OpportunityState } from '../../commands/sales/opportunity.js';
import { validator } from '../../commands/validate.js';
import { accountKind } from '../../events/sales/account.js';
import { contactKind } from '../../events/sales/contact.js';
import { RULE_REASON } from '../../events/catalogue.js';
import { opportunityKind } from '../../events/sales/opportunity.js';
import { salesConfigOf } from '../../queries/sales/config.js';
import { principalOf } from '../authenticate.js';
import { emptyBody, sendCommand, type RecordResource, type RouteDeps } from '../records.js';
import { acceptedQuoteOf, handWinOf, underDealLock } from './quote-acceptance.js';

export const loseBody = validator<{ reason?: string }>({ type: 'object', additionalProperties: false, properties: { reason: RULE_REASON } });
export const reopenBody = validator<{ stage: string; pipeline?: string }>({
  type: 'object', additionalProperties: false, required: ['stage'],
  properties: { stage: { type: 'string', minLength: 1, maxLength: 50 }, pipeline: { type: 'string', minLength: 1, maxLength: 50 } },
});

const bodyOf = (ctx: Context): unknown => (ctx.request as { body?: unknown }).body ?? {};

const UPDATE = 'sales.opportunities:update';

const opportunityRules = (router: Router, deps: RouteDeps): void => {
  // Winning, losing and reopening change what a quote's acceptance is decided on: they wait for one in progress.
  const dealLocked = (ctx: Context, work: (locked: RouteDeps) => Promise<void>) => underDealLock(deps, principalOf(ctx.state).tenantId, ctx.params.id!, work);
  router.post('/:id/win', (ctx) => {
    emptyBody(bodyOf(ctx));
    return dealLocked(ctx, async (locked) => {
      const byQuote = await handWinOf(locked, principalOf(ctx.state).tenantId, ctx.params.id!);
      await sendCommand(locked, opportunityAggregate, UPDATE, ctx, { type: 'WinOpportunity', ...byQuote });
    });
  });
  router.post('/:id/lose', (ctx) => {
    const { reason } = loseBody(bodyOf(ctx));
    return dealLocked(ctx, async (locked) => {
      const acceptedQuote = await acceptedQuoteOf(locked, principalOf(ctx.state).tenantId, ctx.params.id!);
      await sendCommand(locked, opportunityAggregate, UPDATE, ctx, { type: 'LoseOpportunity', reason, acceptedQuote });
    });
  });
  router.post('/:id/reopen', async (ctx) => {
    const { stage, pipeline } = reopenBody(bodyOf(ctx));
    const { config } = await salesConfigOf(deps, principalOf(ctx.state).tenantId);
    return dealLocked(ctx, (locked) => sendCommand(locked, opportunityAggregate, UPDATE, ctx, { type: 'ReopenOpportunity', stage, pipeline, config }));
  });
};

export const opportunitiesResource: RecordResource<OpportunityState, ConfiguredCommand> = {
  kind: opportunityKind,
  links: { accountId: accountKind, contactId: contactKind },
  aggregate: opportunityAggregate,
  permission: 'sales.opportunities',
  path: '/sales/opportunities',
  prepare: async (command, deps, tenantId) => ({ ...command, config: (await salesConfigOf(deps, tenantId)).config }),
  routes: opportunityRules,
};
