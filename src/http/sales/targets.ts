/**
 * `/sales/targets`: the generic record routes over the target's own decider, each command carrying
 * the tenant's sales configuration, plus `GET /:id/attainment` (quota, actual, percent, open
 * pipeline and forecast) from the reports read model.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { authorize } from '../../access/policy.js';
import { targetAggregate, type TargetCommand, type TargetState } from '../../commands/sales/target.js';
import { targetKind } from '../../events/sales/target.js';
import { REPORTS_PROJECTION } from '../../projections/sales/reports.js';
import { getRecord } from '../../queries/records.js';
import { salesConfigOf } from '../../queries/sales/config.js';
import { attainmentOf, targetFactsOf } from '../../queries/sales/targets.js';
import { principalOf } from '../authenticate.js';
import { awaitConsistency, queryOf } from '../read-model.js';
import type { RecordResource, RouteDeps } from '../records.js';
import { assertOwnFigures } from './reports.js';

const attainment = (deps: RouteDeps) => async (ctx: Context) => {
  queryOf(ctx, []);
  const principal = principalOf(ctx.state);
  authorize(principal, 'sales.targets:read');
  const target = await getRecord(deps, targetKind, principal.tenantId, ctx.params.id!);
  authorize(principal, 'sales.targets:read', { ownerId: typeof target.ownerId === 'string' ? target.ownerId : null });
  const facts = targetFactsOf(target.id, target);
  // Attainment is report figures: of the assignee, or of the team's members.
  assertOwnFigures(principal, facts.assignee.type === 'user' ? [facts.assignee.id] : facts.assignee.members);
  await awaitConsistency(ctx, deps.readModel, REPORTS_PROJECTION);
  ctx.body = attainmentOf(deps.readModel.db, principal.tenantId, facts);
};

export const targetsResource: RecordResource<TargetState, TargetCommand> = {
  kind: targetKind,
  aggregate: targetAggregate,
  permission: 'sales.targets',
  path: '/sales/targets',
  prepare: async (command, deps, tenantId) => ({ ...command, config: (await salesConfigOf(deps, tenantId)).config }),
  routes: (router: Router, deps: RouteDeps) => void router.get('/:id/attainment', attainment(deps)),
};
