/**
 * Prometheus metrics (prom-client) at `/metrics`: request durations by method, route template and
 * status; event-store append latency; each projector's lag; the process's own metrics. A server's
 * metrics live in its own registry (tests run several servers in one process); process metrics
 * are collected once per process and merged in at each scrape.
 *
 * `/metrics` is guarded: with `METRICS_TOKEN` set it needs `Authorization: Bearer <token>`;
 * without, it answers loopback callers only (set a token when a proxy on this host forwards traffic).
 */
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { OAUTH_PATH } from '../access/oauth/provider.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import type { EventStore } from '../events/log/port.js';
import type { ProjectionRunner } from '../projections/runner.js';
import type { ProjectionStatus } from '../projections/status.js';

let processRegistry: Registry | undefined;
const processMetrics = (): Registry => {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
};

const PROVIDER_ROUTE = new RegExp(`^${OAUTH_PATH}/(auth|token/revocation|token/introspection|token|jwks|session/end|me|reg)(?:/|$)`, 'i');
const METADATA_PATH = '/.well-known/oauth-authorization-server';
/** An API request answered by the middleware every route shares (401, 413, 415, 429, an idempotent replay…) before its route ran. */
const BEFORE_ROUTE = '(before route)';

/**
 * The route template (never the raw path: ids would make a series per record), or a fixed label.
 * `path` is the one the request arrived with (the OAuth mount rewrites the URL for the provider).
 */
export const routeLabel = (ctx: Context, path: string): string => {
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  if (typeof matched === 'string') return matched.startsWith('/') ? matched : BEFORE_ROUTE;
  if (path === METADATA_PATH) return METADATA_PATH;
  const provider = PROVIDER_ROUTE.exec(path);
  return provider ? `${OAUTH_PATH}/${provider[1]!.toLowerCase()}` : '(unmatched)';
};

export type Metrics = {
  /** Outermost middleware: times every request. */
  observe: Middleware;
  /** The store with its appends timed (the port is wrapped here, not changed). */
  timeAppends: (store: EventStore) => EventStore;
  /** Reports each projector's lag from the runner's status at every scrape. */
  watchProjections: (runner: ProjectionRunner) => void;
  /** `GET /metrics`, guarded (see above). */
  routes: (token: string | undefined) => Router;
};

const timed = async <T>(histogram: Histogram<'outcome'>, work: () => Promise<T>): Promise<T> => {
  const end = histogram.startTimer();
  let outcome = 'error';
  try {
    const value = await work();
    outcome = 'ok';
    return value;
  } finally {
    end({ outcome });
  }
};

const timeAppendsWith = (histogram: Histogram<'outcome'>) => (store: EventStore): EventStore => ({
  kind: store.kind,
  append: (stream, events, options) => timed(histogram, () => store.append(stream, events, options)),
  readStream: (stream, options) => store.readStream(stream, options),
  readAll: (options) => store.readAll(options),
  subscribeToAll: (options) => store.subscribeToAll(options),
  headPosition: () => store.headPosition(),
  ping: () => store.ping(),
  close: () => store.close(),
});

const isLoopback = (address: string | undefined): boolean =>
  address !== undefined && (address === '::1' || /^(::ffff:)?127\./.test(address));

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Throws unless the caller may scrape: the bearer token when one is configured, else loopback only. */
const guard = (ctx: Context, token: string | undefined): void => {
  if (token === undefined) {
    if (!isLoopback(ctx.socket.remoteAddress)) throw new ForbiddenError('metrics_forbidden', 'Metrics are served to loopback callers only');
    return;
  }
  const given = /^Bearer (.+)$/i.exec(ctx.get('Authorization'))?.[1];
  if (given === undefined) throw new UnauthorizedError('missing_token', 'Metrics need the metrics bearer token');
  if (!timingSafeEqual(digest(given), digest(token))) throw new UnauthorizedError('invalid_token', 'Not the metrics token');
};

const metricsRoutes = (registry: Registry) => (token: string | undefined): Router => {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    guard(ctx, token);
    const merged = Registry.merge([processMetrics(), registry]);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = merged.contentType;
    ctx.body = await merged.metrics();
  });
  return router;
};

type StatusReader = () => ProjectionRunner | undefined;

const projectionGauge = (registry: Registry, runner: StatusReader, name: string, help: string, valueOf: (s: ProjectionStatus) => number) =>
  new Gauge({
    name, help, labelNames: ['projection'], registers: [registry],
    async collect() {
      const statuses = (await runner()?.status()) ?? [];
      this.reset();
      for (const s of statuses) this.set({ projection: s.name }, valueOf(s));
    },
  });

const projectionGauges = (registry: Registry, runner: StatusReader): void => {
  projectionGauge(registry, runner, 'crm_projection_lag_events', 'Events in the log not yet applied by the projector', (s) => Number(s.lag));
  projectionGauge(registry, runner, 'crm_projection_failed', '1 while the projector keeps failing on an event (backing off), else 0', (s) => (s.status === 'failed' ? 1 : 0));
};

const observeWith = (requests: Histogram<'method' | 'route' | 'status'>): Middleware => async (ctx, next) => {
  const end = requests.startTimer();
  const path = ctx.path;
  try {
    await next();
  } finally {
    end({ method: ctx.method, route: routeLabel(ctx, path), status: String(ctx.status) });
  }
};

/** A server's metrics, in a registry of its own. */
export const createMetrics = (): Metrics => {
  const registry = new Registry();
  const requests = new Histogram({
    name: 'crm_http_request_duration_seconds', help: 'HTTP requests by method, route template and status', labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
  });
  const appends = new Histogram({
    name: 'crm_event_store_append_duration_seconds', help: 'Event-store appends by outcome', labelNames: ['outcome'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
  });
  let runner: ProjectionRunner | undefined;
  projectionGauges(registry, () => runner);
  return { observe: observeWith(requests), timeAppends: timeAppendsWith(appends), watchProjections: (r) => void (runner = r), routes: metricsRoutes(registry) };
};
