/**
 * `/api/compliance/retention-policies` (tenant admins write, compliance readers read): the
 * tenant's retention policies, what the last sweep did, and `POST /sweep` to run the sweeper now.
 */
import Router from '@koa/router';
import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import { authorize } from '../../access/policy.js';
import { changeRetention } from '../../commands/compliance/retention.js';
import { validator } from '../../commands/validate.js';
import { NotFoundError } from '../../errors.js';
import type { RecordKind } from '../../events/catalogue.js';
import type { RetentionPolicy } from '../../events/compliance/retention.js';
import type { JobQueue } from '../../jobs/port.js';
import { RETENTION_SWEEP_JOB } from '../../jobs/retention-sweep.js';
import { checkPolicy, retentionStateOf } from '../../queries/compliance/retention.js';
import { principalOf } from '../authenticate.js';
import { answerWrite, commandContext } from '../command-context.js';
import { emptyBody, type RouteDeps } from '../records.js';

export type RetentionRouteDeps = RouteDeps & { jobs: Pick<JobQueue, 'enqueue'> };

export const policyBody = validator<Omit<RetentionPolicy, 'policyId'>>({
  type: 'object', additionalProperties: false, required: ['recordType', 'olderThan'],
  properties: {
    recordType: { type: 'string', maxLength: 100 }, filter: { type: 'string', maxLength: 2000, default: '' },
    olderThan: { type: 'string', maxLength: 40 },
  },
});

const POLICY_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const policyIdOf = (ctx: Context): string => {
  if (!POLICY_ID.test(ctx.params.policyId!)) throw new NotFoundError('No such retention policy');
  return ctx.params.policyId!;
};

const list = (deps: RouteDeps) => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'compliance.retention:read');
  const state = await retentionStateOf(deps, principal.tenantId);
  const data = state.status === 'configured' ? Object.values(state.policies) : [];
  ctx.body = { data, lastSweep: state.status === 'configured' ? (state.lastSweep ?? null) : null };
};

const put = (deps: RouteDeps, kinds: readonly RecordKind[]) => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'compliance.retention:update');
  const body = policyBody((ctx.request as { body?: unknown }).body);
  const policy = { policyId: policyIdOf(ctx), recordType: body.recordType, filter: body.filter ?? '', olderThan: body.olderThan };
  const target = checkPolicy(deps.readModel.db, kinds, principal.tenantId, policy);
  const context = commandContext(ctx, deps.clock);
  answerWrite(ctx, 200, await changeRetention(deps, { type: 'SetRetentionPolicy', policy, target, at: context.now.toISOString() }, context));
};

const remove = (deps: RouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'compliance.retention:update');
  const context = commandContext(ctx, deps.clock);
  const command = { type: 'RemoveRetentionPolicy' as const, policyId: policyIdOf(ctx), at: context.now.toISOString() };
  answerWrite(ctx, 200, await changeRetention(deps, command, context));
};

const sweep = (deps: RetentionRouteDeps) => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'compliance.retention:update');
  emptyBody((ctx.request as { body?: unknown }).body ?? {});
  const sweepId = `retention-sweep.${principal.tenantId}.${randomUUID()}`;
  const { id } = await deps.jobs.enqueue(RETENTION_SWEEP_JOB, { tenantId: principal.tenantId, sweepId }, { id: sweepId });
  ctx.status = 202;
  ctx.body = { sweepId, jobId: id };
};

export const retentionRoutes = (deps: RetentionRouteDeps, kinds: readonly RecordKind[]): Router => {
  const router = new Router();
  router.get('/', list(deps));
  router.post('/sweep', sweep(deps));
  router.put('/:policyId', put(deps, kinds));
  router.delete('/:policyId', remove(deps));
  return router;
};
