/**
 * `/api/superadmin/projections`: each projector's version, status, checkpoint, lag and rate, and
 * a zero-downtime rebuild on demand (202: the new tables are built while the old ones answer).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { authorize } from '../../access/policy.js';
import { projectorNamed } from '../../projections/all.js';
import type { ProjectionRunner } from '../../projections/runner.js';
import type { ProjectionStatus } from '../../projections/status.js';
import { principalOf } from '../authenticate.js';
import { emptyBody } from '../records.js';

/** Positions as numbers (the API's `position` everywhere), times as ISO strings. */
export const statusJson = (s: ProjectionStatus) => ({
  name: s.name,
  version: s.version,
  status: s.status,
  checkpoint: Number(s.checkpoint),
  lag: Number(s.lag),
  rate: s.rate,
  ...(s.error ? { error: { ...s.error, position: Number(s.error.position), retryAt: s.error.retryAt.toISOString() } } : {}),
  ...(s.rebuild ? { rebuild: { ...s.rebuild, checkpoint: Number(s.rebuild.checkpoint), lag: Number(s.rebuild.lag) } } : {}),
});

const list = (runner: ProjectionRunner) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'platform.projections:read');
  ctx.body = { data: (await runner.status()).map(statusJson) };
};

const rebuild = (runner: ProjectionRunner) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'platform.projections:rebuild');
  emptyBody((ctx.request as { body?: unknown }).body ?? {});
  const { name } = projectorNamed(ctx.params.name!);
  const ticket = await runner.rebuild(name);
  ctx.status = 202;
  ctx.set('Location', '/api/superadmin/projections');
  ctx.body = { projection: ticket.projection, version: ticket.version, generation: ticket.generation, status: 'rebuilding' };
};

export const projectionRoutes = (runner: ProjectionRunner): Router => {
  const router = new Router();
  router.get('/', list(runner));
  router.post('/:name/rebuild', rebuild(runner));
  return router;
};
