/**
 * Rate limits (design §6) with rate-limiter-flexible: fixed windows counted in Redis when
 * `REDIS_URL` is set (shared by every API instance), in memory otherwise. Three limits: every
 * request per IP; the sign-in and token endpoints per IP, much stricter (password and code
 * guessing); authenticated requests per client and actor. Over a limit: 429 `rate_limited` with
 * `Retry-After`. A limit of 0 turns that limit off.
 */
import type { Redis } from 'ioredis';
import type { Middleware } from 'koa';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimits } from '../config.js';
import { RateLimitedError } from '../errors.js';
import { OAUTH_PATH } from '../access/oauth/provider.js';
import { principalOf } from './authenticate.js';

export type Limiter = (key: string) => Promise<void>;

/** Where limiters count: a Redis connection and the deployment's key prefix (`REDIS_KEY_PREFIX`). */
export type CounterStore = { redis: Redis; prefix: string };

/**
 * One fixed-window counter (in Redis, keys `<prefix>:rl:<name>:<key>`); Redis errors fall back to
 * an in-memory count rather than failing requests.
 */
export const limiterOf = (store: CounterStore | undefined, name: string, points: number, duration: number): Limiter => {
  const memory = new RateLimiterMemory({ keyPrefix: `rl:${name}`, points, duration });
  const limiter: RateLimiterAbstract = store
    ? new RateLimiterRedis({ storeClient: store.redis, keyPrefix: `${store.prefix}:rl:${name}`, points, duration, rejectIfRedisNotReady: true, insuranceLimiter: memory })
    : memory;
  return async (key) => {
    try {
      await limiter.consume(key);
    } catch (outcome) {
      if (!(outcome instanceof RateLimiterRes)) throw outcome;
      const seconds = Math.max(1, Math.ceil(outcome.msBeforeNext / 1000));
      throw new RateLimitedError(`Too many requests; retry in ${seconds} s`, seconds);
    }
  };
};

const LOGIN_POST = new RegExp(`^${OAUTH_PATH}/interaction/[^/]+/login/?$`);
const IDENTITY_LINK_POST = /^\/api\/public\/(invitations|password-resets)\//;

/**
 * The token endpoint (with revocation and introspection), the sign-in form's post, and the
 * invitation and reset links. Compared as the provider and the routers match paths: whatever
 * their case and with or without a trailing slash, so `/oauth/Token` is the token endpoint too
 * and `…/login/` the sign-in post.
 */
export const isCredentialEndpoint = (method: string, path: string): boolean => {
  if (method !== 'POST') return false;
  const lower = path.toLowerCase();
  return lower === `${OAUTH_PATH}/token` || lower.startsWith(`${OAUTH_PATH}/token/`) || LOGIN_POST.test(lower) || IDENTITY_LINK_POST.test(lower);
};

/** Liveness and readiness probes: an orchestrator's, never limited (a 429 would restart a busy server). */
const isProbe = (path: string): boolean => path === '/health/live' || path === '/health/ready';

export type RateLimiting = {
  /** App-level, before any route: the per-IP limit, and the stricter one on credential endpoints. */
  edge: Middleware;
  /** For the authenticated API, right after `authenticate`: the per-client limit. */
  perClient: Middleware;
};

const pass: Middleware = (_ctx, next) => next();

/** The limiters of `limits`, counted in `store` when given (the caller owns and closes its connection). */
export const rateLimiting = (limits: RateLimits, store?: CounterStore): RateLimiting => {
  const { windowSeconds, perIp, perClient, authWindowSeconds, authPerIp } = limits;
  const ip = perIp > 0 ? limiterOf(store, 'ip', perIp, windowSeconds) : undefined;
  const auth = authPerIp > 0 ? limiterOf(store, 'auth', authPerIp, authWindowSeconds) : undefined;
  const client = perClient > 0 ? limiterOf(store, 'client', perClient, windowSeconds) : undefined;
  return {
    edge: !ip && !auth ? pass : async (ctx, next) => {
      if (isProbe(ctx.path)) return next();
      await ip?.(ctx.ip);
      if (auth && isCredentialEndpoint(ctx.method, ctx.path)) await auth(ctx.ip);
      await next();
    },
    perClient: !client ? pass : async (ctx, next) => {
      const { tenantId, clientId, actorId } = principalOf(ctx.state);
      await client(`${tenantId}/${clientId}/${actorId}`);
      await next();
    },
  };
};
