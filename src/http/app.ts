/**
 * The Koa application: the problem middleware first (so it sees every error), then request ids
 * and request logs, then the routers. Everything it needs arrives as arguments.
 */
import Koa from 'koa';
import type { Logger } from 'pino';
import { healthRoutes, type ReadinessCheck } from './health.js';
import { problemMiddleware } from './problem.js';
import { requestId } from './request-id.js';

export type AppDeps = {
  logger: Logger;
  readiness: ReadinessCheck[];
  isDraining: () => boolean;
};

const requestLog = (logger: Logger): Koa.Middleware => async (ctx, next) => {
  const started = process.hrtime.bigint();
  try {
    await next();
  } finally {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    logger.info({ requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms }, 'request');
  }
};

export const createApp = (deps: AppDeps): Koa => {
  const app = new Koa({ proxy: false });
  app.silent = true;
  app.use(requestId());
  app.use(requestLog(deps.logger));
  app.use(problemMiddleware(deps.logger));
  const health = healthRoutes(deps.readiness, deps.isDraining);
  app.use(health.routes());
  app.use(health.allowedMethods({ throw: true }));
  return app;
};
