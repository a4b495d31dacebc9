/**
 * CORS from the allow-list `CRM_CORS_ORIGINS` (exact origins). An allowed origin gets its own
 * origin echoed (never `*`) and no credentials: the API authenticates with bearer tokens, not
 * cookies. Any other origin gets no CORS header from us, so the browser refuses the answer.
 * Preflights are answered here, before authentication and rate limits of the API.
 * Under `/oauth`, an origin off the list gets the provider's headers for metadata and JWKS (open
 * to any origin) and none elsewhere (see `oauthRoutes` and the provider's `clientBasedCORS`).
 */
import cors from '@koa/cors';
import type { Context, Middleware } from 'koa';

const ALLOW_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const ALLOW_HEADERS = ['Authorization', 'Content-Type', 'If-Match', 'Idempotency-Key', 'Consistency-Position', 'X-Request-Id'];
const EXPOSE_HEADERS = ['Location', 'ETag', 'Retry-After', 'WWW-Authenticate', 'X-Request-Id', 'Content-Disposition', 'Idempotent-Replayed', 'Allow'];
const PREFLIGHT_CACHE_SECONDS = 600;

/** The CORS middleware of an allow-list; an empty list answers no cross-origin request. */
export const corsAllowList = (origins: readonly string[]): Middleware => {
  if (origins.length === 0) return (_ctx, next) => next();
  const allowed = new Set(origins);
  return cors({
    origin: (ctx: Context) => (allowed.has(ctx.get('Origin')) ? ctx.get('Origin') : ''),
    credentials: false,
    allowMethods: ALLOW_METHODS,
    allowHeaders: ALLOW_HEADERS,
    exposeHeaders: EXPOSE_HEADERS,
    maxAge: PREFLIGHT_CACHE_SECONDS,
    // The problem middleware keeps headers already set, so errors need no copy of them.
    keepHeadersOnError: false,
  });
};
