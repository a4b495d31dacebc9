/**
 * The HTTP platform around the API, composed for the server from the configuration: request
 * metrics, CORS, rate limits and the uniqueness lock (both in Redis when `REDIS_URL` is set) and the public routers
 * with guards of their own (`/metrics`, the API documentation).
 */
import type Router from '@koa/router';
import { Redis } from 'ioredis';
import type { Middleware } from 'koa';
import type { Config } from '../config.js';
import { corsAllowList } from './cors.js';
import { createMetrics, type Metrics } from './metrics.js';
import { docsRoutes } from './openapi/docs.js';
import type { DocumentedResource } from './openapi/records.js';
import { limiterOf, rateLimiting, type Limiter } from './rate-limit.js';
import { processLock, redisLock, type UniquenessLock } from './uniqueness-lock.js';

export type HttpPlatform = {
  metrics: Metrics;
  /** App-level, after the security headers and before any route: CORS (preflights), then the IP limits. */
  edge: Middleware[];
  /** For the authenticated API, after `authenticate`: the per-client limit. */
  perClient: Middleware;
  /** `/metrics`, `/openapi.json`, `/docs`, `/redoc`. */
  routers: Router[];
  /** The lock over unique values' checks and writes: shared by every process using the same Redis, else this process's. */
  uniquenessLock: UniquenessLock;
  /** A fixed-window limiter of its own (e.g. web-form submissions), counted where the others are. */
  limiter: (name: string, points: number, windowSeconds: number) => Limiter;
  close: () => Promise<void>;
};

/** The platform of `config`; `resources` are the record resources the API serves (for the OpenAPI document). */
export const openHttpPlatform = (config: Config, resources: readonly DocumentedResource[]): HttpPlatform => {
  // No offline queue, a 1 s command timeout: while Redis is away (or silent) the limiters count in
  // memory and unique writes answer 503 instead of waiting.
  const redis = config.redisUrl ? new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1_000 }) : undefined;
  redis?.on('error', () => undefined);
  const counters = redis && { redis, prefix: config.redisKeyPrefix };
  const limits = rateLimiting(config.rateLimits, counters);
  const metrics = createMetrics();
  return {
    metrics,
    edge: [corsAllowList(config.corsOrigins), limits.edge],
    perClient: limits.perClient,
    routers: [metrics.routes(config.metricsToken), docsRoutes({ resources, publicUrl: config.publicUrl })],
    uniquenessLock: redis ? redisLock(redis, { prefix: config.redisKeyPrefix }) : processLock,
    limiter: (name, points, windowSeconds) => limiterOf(counters, name, points, windowSeconds),
    close: async () => redis?.disconnect(),
  };
};
