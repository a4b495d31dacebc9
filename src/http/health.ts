/**
 * `/health/live`: the process answers. `/health/ready`: every store answers and the server is not
 * draining; a load balancer stops routing here as soon as shutdown begins. A check that only
 * degrades (a failed projection) answers 200 `degraded`: every replica replays the same log, so
 * taking them out of routing for a poison event would stop the writes too.
 */
import Router from '@koa/router';
import { UnavailableError } from '../errors.js';

/** A named readiness check: resolves when the dependency answers; `degrades`: its failure does not make the server unready. */
export type ReadinessCheck = { name: string; check: () => Promise<void>; degrades?: boolean };

const outcomeOf = async ({ check }: ReadinessCheck): Promise<string> => check().then(() => 'ok', (e: Error) => `failed: ${e.message}`);

export const healthRoutes = (checks: ReadinessCheck[], isDraining: () => boolean): Router => {
  const router = new Router({ prefix: '/health' });
  router.get('/live', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/ready', async (ctx) => {
    if (isDraining()) throw new UnavailableError('draining', 'The server is shutting down');
    const results = await Promise.all(checks.map(async (c) => [c.name, await outcomeOf(c), c.degrades === true] as const));
    const failed = results.filter(([, outcome, degrades]) => outcome !== 'ok' && !degrades);
    const byName = Object.fromEntries(results.map(([name, outcome]) => [name, outcome]));
    if (failed.length > 0) {
      throw new UnavailableError('not_ready', `Not ready: ${failed.map(([n, o]) => `${n} ${o}`).join('; ')}`, {
        checks: byName,
      });
    }
    ctx.body = { status: results.some(([, outcome]) => outcome !== 'ok') ? 'degraded' : 'ok', checks: byName };
  });
  return router;
};
