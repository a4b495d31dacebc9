/**
 * `/health/live`: the process answers. `/health/ready`: every store answers and the server is not
 * draining; a load balancer stops routing here as soon as shutdown begins.
 */
import Router from '@koa/router';
import { UnavailableError } from '../errors.js';

/** A named readiness check: resolves when the dependency answers. */
export type ReadinessCheck = { name: string; check: () => Promise<void> };

export const healthRoutes = (checks: ReadinessCheck[], isDraining: () => boolean): Router => {
  const router = new Router({ prefix: '/health' });
  router.get('/live', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/ready', async (ctx) => {
    if (isDraining()) throw new UnavailableError('draining', 'The server is shutting down');
    const results = await Promise.all(
      checks.map(async ({ name, check }) => [name, await check().then(() => 'ok', (e: Error) => `failed: ${e.message}`)] as const),
    );
    const failed = results.filter(([, outcome]) => outcome !== 'ok');
    if (failed.length > 0) {
      throw new UnavailableError('not_ready', `Not ready: ${failed.map(([n, o]) => `${n} ${o}`).join('; ')}`, {
        checks: Object.fromEntries(results),
      });
    }
    ctx.body = { status: 'ok', checks: Object.fromEntries(results) };
  });
  return router;
};
