/**
 * `/sales/targets`: the generic record routes over the target's own decider, each command carrying
 * the tenant's sales configuration, plus `GET /:id/attainment` (quota, actual, percent, open
 * pipeline and forecast) from the reports read model. Two active targets may not share a key (its
 * assignee, period, metric and currency, `targetKeyOf`): the kind declares it, the generic
 * uniqueness rule refuses a create, patch or restore that would (409 `duplicate_target`). The users
 * an assignee names are looked up before deciding (`target-assignee.ts`).
 */
import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { RecordCommand } from '../../commands/catalogue.js';
import { spelledOutPatch, targetAggregate, withDefaultCurrency, type TargetCommand, type TargetState } from '../../commands/sales/target.js';
import { withCheckedAssignee } from '../../commands/sales/target-assignee.js';
import { NotFoundError } from '../../errors.js';
import type { JsonObject } from '../../events/log/port.js';
import { commitProbabilityOf } from '../../events/sales/config.js';
import { targetKind } from '../../events/sales/target.js';
import { REPORTS_PROJECTION } from '../../projections/sales/reports.js';
import { getRecord } from '../../queries/records.js';
import { salesConfigOf } from '../../queries/sales/config.js';
import { attainmentOf, targetFactsOf } from '../../queries/sales/targets.js';
import { principalOf } from '../authenticate.js';
import { awaitConsistency, queryOf } from '../read-model.js';
import { shownRecord } from '../record-reads.js';
import type { RecordResource, RouteDeps } from '../records.js';
import { assertOwnFigures } from './reports.js';

const attainment = (deps: RouteDeps) => async (ctx: Context) => {
  queryOf(ctx, []);
  const principal = principalOf(ctx.state);
  // Another's target is absent to a reader of their own, as its `GET /:id` answers: a 403 would tell it exists.
  const target = await shownRecord(deps, principal, targetKind, 'sales.targets', ctx.params.id!);
  const facts = targetFactsOf(target.id, target);
  // Attainment is report figures: of the assignee, or of the team's members.
  assertOwnFigures(principal, facts.assignee.type === 'user' ? [facts.assignee.id] : facts.assignee.members);
  const { config } = await salesConfigOf(deps, principal.tenantId);
  await awaitConsistency(ctx, deps.readModel, REPORTS_PROJECTION);
  ctx.body = attainmentOf(deps.readModel.db, principal.tenantId, facts, commitProbabilityOf(config));
};

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Before the generic `PATCH /:id`: a patch leaving a revenue target's currency to the tenant's
 * default (`"currency": null`, or a count target made a revenue one) has that currency spelled out
 * in its body, as the decider would store it, and one naming some members of the assignee has the
 * others too (it merges, RFC 7386), so that the uniqueness rule compares the key the target will
 * have and every user the assignee will name is looked up. Any other body, or a target that is not
 * there, goes on as it came.
 */
const spelledOutBody = (deps: RouteDeps) => async (ctx: Context, next: Next) => {
  const request = ctx.request as { body?: unknown };
  const body = request.body;
  if (isObject(body) && ['metric', 'currency', 'assignee'].some((name) => Object.hasOwn(body, name))) {
    const { tenantId } = principalOf(ctx.state);
    const target = await getRecord(deps, targetKind, tenantId, ctx.params.id!).catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
    if (target?.status === 'active') request.body = spelledOutPatch(target, body, (await salesConfigOf(deps, tenantId)).config);
  }
  await next();
};

/**
 * The generic command with the tenant's configuration and what the log holds of the users its
 * assignee names (`target-assignee.ts`; a patch's is whole, see `spelledOutBody`); a create spells out a default currency.
 */
const prepare = async (command: RecordCommand, deps: RouteDeps, tenantId: string, _id: string | undefined, actorId: string): Promise<TargetCommand> => {
  const { config } = await salesConfigOf(deps, tenantId);
  const checked = await withCheckedAssignee(deps, tenantId, actorId, command);
  return checked.type === 'CreateRecord' ? { ...checked, fields: withDefaultCurrency(checked.fields, config), config } : { ...checked, config };
};

export const targetsResource: RecordResource<TargetState, TargetCommand> = {
  kind: targetKind,
  aggregate: targetAggregate,
  permission: 'sales.targets',
  path: '/sales/targets',
  prepare,
  routes: (router: Router, deps: RouteDeps) => {
    router.get('/:id/attainment', attainment(deps));
    router.patch('/:id', spelledOutBody(deps));
  },
};
