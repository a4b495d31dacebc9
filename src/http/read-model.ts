/**
 * What list routes need from the read side: the read.db connection, and read-your-writes
 * (design §5): a query sent with `Consistency-Position: <position>` (the `position` a command
 * answered) waits until the projection it reads has applied the log that far.
 */
import type Database from 'better-sqlite3';
import type { Context, Middleware } from 'koa';
import { Readable } from 'node:stream';
import { InvalidInputError } from '../errors.js';
import type { EventStore } from '../events/log/port.js';
import type { ReadDb } from '../projections/read-db.js';
import type { ProjectionRunner } from '../projections/runner.js';

export type ReadModel = {
  db: Database.Database;
  /** Resolves once `projection` has reached `position`; 503 `consistency_timeout` after 5 s. */
  waitFor: (position: bigint, projection: string) => Promise<void>;
  /**
   * True once `projection` holds every write acknowledged before the call (it reached the log's
   * head, waiting a little if needed); false when it is failed or behind, and the log must answer.
   */
  isCurrent: (projection: string) => Promise<boolean>;
  /** How far `projection`'s live tables have applied the log; undefined when they are not being kept up. */
  checkpoint?: (projection: string) => bigint | undefined;
};

/** Waits for the `Consistency-Position` the request carries, if any; a malformed one is a 400. */
export const awaitConsistency = async (ctx: Context, model: ReadModel, projection: string): Promise<void> => {
  const raw = ctx.get('Consistency-Position').trim();
  if (raw === '') return;
  if (!/^\d{1,18}$/.test(raw)) {
    throw new InvalidInputError('invalid_consistency_position', 'Consistency-Position must be a position a command answered', [
      { pointer: '/headers/consistency-position', message: 'not a position' },
    ]);
  }
  await model.waitFor(BigInt(raw), projection);
};

const unknownParameters = (names: readonly string[]): InvalidInputError =>
  new InvalidInputError('invalid_query', 'Invalid query parameters', names.map((name) => ({ pointer: `/query/${name}`, message: 'unknown parameter' })));

/** The query parameters, each at most once and only those named; anything else is a 400. */
export const queryOf = <K extends string>(ctx: Context, allowed: readonly K[]): Partial<Record<K, string>> => {
  ctx.state.queryRead = true;
  const errors = Object.entries(ctx.query).flatMap(([name, value]) => {
    if (!(allowed as readonly string[]).includes(name)) return [{ pointer: `/query/${name}`, message: 'unknown parameter' }];
    return typeof value === 'string' ? [] : [{ pointer: `/query/${name}`, message: 'given more than once' }];
  });
  if (errors.length > 0) throw new InvalidInputError('invalid_query', 'Invalid query parameters', errors);
  return ctx.query as Partial<Record<K, string>>;
};

/**
 * Refuses the query parameters no route reads (`queryOf` names those it reads): on a write before
 * it runs (no write takes any: `?dryRun=true` must not erase for real), on a read once it has
 * answered without reading them (a read changes nothing, so its answer is simply replaced).
 */
export const undeclaredQuery: Middleware = async (ctx, next) => {
  if (ctx.querystring === '') return next();
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw unknownParameters(Object.keys(ctx.query));
  await next();
  if (ctx.state.queryRead === true) return;
  if (ctx.body instanceof Readable) ctx.body.destroy();
  throw unknownParameters(Object.keys(ctx.query));
};

/** The read model over the runner: consistency waits of 5 s, freshness checks of at most 250 ms. */
export const readModelOf = (store: EventStore, readDb: ReadDb, runner: ProjectionRunner): ReadModel => ({
  db: readDb.db,
  waitFor: (position, projection) => runner.waitForPosition(position, 5_000, [projection]),
  isCurrent: async (projection) => {
    if (!runner.isHealthy(projection)) return false;
    const head = await store.headPosition();
    if ((runner.checkpointOf?.(projection) ?? -1n) >= head) return true;
    return runner.waitForPosition(head, 250, [projection]).then(() => true, () => false);
  },
  checkpoint: (projection) => runner.checkpointOf?.(projection),
});
