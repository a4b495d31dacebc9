/**
 * The Koa application: the problem middleware first (so it sees every error), then request ids
 * and request logs, then the routers (through one `dispatch`). Everything it needs arrives as arguments.
 */
import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import { OAUTH_PATH } from '../access/oauth/provider.js';
import { dispatch } from './dispatch.js';
import { healthRoutes, type ReadinessCheck } from './health.js';
import { problemMiddleware } from './problem.js';
import { requestId } from './request-id.js';

export type AppDeps = {
  logger: Logger;
  readiness: ReadinessCheck[];
  isDraining: () => boolean;
  /** The published signing keys (RFC 7517), served at `/.well-known/jwks.json`. */
  jwks?: () => object;
  /** The authenticated API's routers (see `api.ts`). */
  api?: Router[];
  /** The OAuth authorization server and its login interaction (see `identity/oauth.ts`). */
  oauth?: Koa.Middleware[];
  /** Outermost after the request id: sees every request and its final status (request metrics). */
  observe?: Koa.Middleware;
  /** After the security headers, before any route: CORS and rate limits (see `platform.ts`). */
  edge?: Koa.Middleware[];
  /** Public routers with guards of their own: `/metrics`, the API documentation. */
  publicRouters?: Router[];
};

const API_CSP = "default-src 'none'; frame-ancestors 'none'";
/**
 * The authorization server's pages: with a `script-src`, oidc-provider adds the hash of the one
 * inline script of its auto-submitting pages (form_post, the logout without a session), which
 * `default-src 'none'` alone would block, leaving a blank page.
 */
const OAUTH_CSP = "default-src 'none'; script-src 'report-sample'; frame-ancestors 'none'"; // 'report-sample' allows nothing by itself

/** Headers for a JSON API: nothing to sniff, frame or refer; HTTPS remembered. */
const securityHeaders: Koa.Middleware = async (ctx, next) => {
  ctx.set({
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': ctx.path.startsWith(`${OAUTH_PATH}/`) ? OAUTH_CSP : API_CSP,
    'Referrer-Policy': 'no-referrer',
    'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  });
  await next();
};

const publicRoutes = (deps: AppDeps): Router => {
  const router = new Router();
  const { jwks } = deps;
  // Public keys, open to any origin (as the provider's /oauth/jwks is): a browser client may verify tokens.
  if (jwks) router.get('/.well-known/jwks.json', (ctx) => void (ctx.set('Access-Control-Allow-Origin', '*'), (ctx.body = jwks())));
  return router;
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

/** While draining, every answer closes its connection, so keep-alive clients reconnect elsewhere instead of holding this one. */
const closeWhileDraining = (isDraining: () => boolean): Koa.Middleware => async (ctx, next) => {
  try {
    await next();
  } finally {
    if (isDraining()) ctx.set('Connection', 'close');
  }
};

export const createApp = (deps: AppDeps): Koa => {
  const app = new Koa({ proxy: false });
  app.silent = true;
  app.use(closeWhileDraining(deps.isDraining));
  app.use(requestId());
  if (deps.observe) app.use(deps.observe);
  app.use(requestLog(deps.logger));
  app.use(problemMiddleware(deps.logger));
  app.use(securityHeaders);
  for (const middleware of deps.edge ?? []) app.use(middleware);
  for (const middleware of deps.oauth ?? []) app.use(middleware);
  app.use(dispatch([healthRoutes(deps.readiness, deps.isDraining), publicRoutes(deps), ...(deps.publicRouters ?? []), ...(deps.api ?? [])]));
  return app;
};
