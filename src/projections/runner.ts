/**
 * The projection runner (design §5). Each projector has a worker that reads the log from its
 * checkpoint and applies batches, each in one SQLite transaction with the checkpoint; a doorbell
 * (a live subscription) wakes the workers right after each commit. A failing projector stops
 * alone and retries with backoff. Rebuilds write new tables while the old ones answer, then swap
 * atomically. `waitForPosition` gives read-your-writes. This file starts the runner and answers
 * its API; what its workers run with (the log's readers, what follows a commit) is in
 * `runner-context.ts`.
 */
import type { Logger } from 'pino';
import { NotFoundError, UnavailableError } from '../errors.js';
import type { EventStore } from '../events/log/port.js';
import type { KeyStore } from '../events/personal-data/key-store.js';
import type { Upcasters } from '../events/upcasting.js';
import { consistencyWaiters } from './consistency.js';
import { openDoorbell } from './doorbell.js';
import { beginRebuild, dropRetired } from './generations.js';
import { assertProjectors, type Projector } from './projector.js';
import type { ReadDb } from './read-db.js';
import { openRegistry } from './registry.js';
import { loadRun, prepareRun } from './runs.js';
import { statusOf, type ProjectionStatus } from './status.js';
import type { Backoff } from './timing.js';
import { failureOf, isFrozen, runWorker, type Run } from './worker.js';
import { savePassed } from './batch.js';
import { ticketFor, type RebuildTicket } from './tickets.js';
import { lookupHashOf, workerContext, type Runner } from './runner-context.js';

/** What the runner works with, and its tuning (every number has a default). */
export type ProjectionRunnerOptions = {
  store: EventStore;
  keyStore: KeyStore;
  readDb: ReadDb;
  projectors: readonly Projector[];
  upcasters?: Upcasters;
  /** Events per batch (one transaction each); default 1,000. */
  batchSize?: number;
  /** The longest a caught-up worker sleeps without a wake-up; default 1,000 ms. */
  pollMs?: number;
  /** Retry delays of a failed projector; default 100 ms doubling up to 30 s. */
  backoff?: Backoff;
  /** How long retired tables stay (a reader may have resolved their name just before the swap); default 5 s. */
  dropAfterMs?: number;
  logger?: Pick<Logger, 'info' | 'warn'>;
};

export type { RebuildTicket } from './tickets.js';

/** A started runner: status, read-your-writes, rebuilds, the table resolver, and `close`. */
export type ProjectionRunner = {
  status(): Promise<ProjectionStatus[]>;
  /**
   * Resolves when the read model has applied the log up to `position`: the named projections, or
   * by default every projection that is not failed nor frozen behind a version-change rebuild.
   * Rejects with `UnavailableError` `consistency_timeout` (`extra.retryAfter` = 1 s) after `timeoutMs`.
   */
  waitForPosition(position: bigint, timeoutMs?: number, projections?: readonly string[]): Promise<void>;
  /** Starts a zero-downtime rebuild from position 0 (or answers the one in progress). */
  rebuild(name: string): Promise<RebuildTicket>;
  /** The live physical table behind a projection's logical table (changes at each swap). */
  physicalTable(projection: string, logical: string): string;
  /** Whether the projection's live tables are being kept up (not failed, not frozen behind a version change). */
  isHealthy(projection: string): boolean;
  /** The projectors failing now (backing off on an event, live tables or a rebuild): no read of the log, unlike `status`. */
  failed(): string[];
  /** How far the projection's live tables have applied the log, when healthy (see `isHealthy`). */
  checkpointOf?(projection: string): bigint | undefined;
  close(): Promise<void>;
};

const runOf = (r: Runner, name: string): Run => {
  const run = r.runs.get(name);
  if (!run) throw new NotFoundError(`No projection named ${name}`, { projection: name });
  return run;
};

const waitForPosition = (r: Runner, position: bigint, timeoutMs: number, names?: readonly string[]) => {
  const targets = names ? names.map((name) => runOf(r, name)) : [...r.runs.values()];
  const skipped = (run: Run): boolean => names === undefined && (run.live.failure !== undefined || isFrozen(run));
  return r.waiters.wait(position, () => targets.every((run) => skipped(run) || run.live.checkpoint >= position), timeoutMs);
};

const rebuild = (r: Runner, name: string, ring: () => void): RebuildTicket => {
  const run = runOf(r, name);
  if (!run.next) {
    beginRebuild(r.options.readDb, r.registry, run.projector, new Date().toISOString());
    run.next = loadRun(r.options.readDb, r.registry, run.projector, undefined, lookupHashOf(r.options.keyStore)).next;
    ring();
  }
  const { settle: _settle, ...ticket } = ticketFor(r.tickets, run);
  return ticket;
};

const physicalTable = (r: Runner, projection: string, logical: string): string => {
  const physical = runOf(r, projection).live.tables[logical];
  if (physical === undefined) throw new NotFoundError(`No table ${logical} in projection ${projection}`);
  return physical;
};

// 1. stop the workers (each finishes its batch); 2. save passed checkpoints; 3. settle waiters and tickets; 4. drop retired tables.
const closeRunner = async (r: Runner, stop: () => Promise<void>): Promise<void> => {
  await stop();
  for (const run of r.runs.values()) {
    try {
      if (!isFrozen(run)) savePassed({ db: r.options.readDb.db, registry: r.registry }, run.projector.name, run.live);
    } catch (err) {
      r.options.logger?.warn({ err, projection: run.projector.name }, 'could not save the checkpoint at close (its events are read again)');
    }
  }
  r.waiters.closeAll();
  for (const ticket of r.tickets.values()) ticket.settle('closed');
  for (const timer of r.timers) clearTimeout(timer);
  for (const name of r.runs.keys()) dropRetired(r.options.readDb, r.registry, name);
};

/**
 * Starts the runner: 1. checks the projectors; 2. registers each (first generation, or a rebuild
 * when its version changed); 3. drops tables retired before; 4. opens the doorbell; 5. starts one
 * worker per projector.
 */
export const startProjections = async (options: ProjectionRunnerOptions): Promise<ProjectionRunner> => {
  assertProjectors(options.projectors);
  const registry = openRegistry(options.readDb.db);
  const runs = new Map(options.projectors.map((p) => [p.name, prepareRun(options.readDb, registry, p, lookupHashOf(options.keyStore))] as const));
  const r: Runner = { options, registry, runs, tickets: new Map(), timers: new Set(), waiters: consistencyWaiters(), walDirty: false };
  for (const run of runs.values()) {
    dropRetired(options.readDb, registry, run.projector.name);
    if (run.next) ticketFor(r.tickets, run);
  }
  const abort = new AbortController();
  const onError = (error: unknown) => options.logger?.warn({ err: error }, 'projection wake-up subscription failed');
  const bell = await openDoorbell({ store: options.store, signal: abort.signal, onError });
  const ctx = workerContext(r, abort.signal, bell);
  const workers = [...runs.values()].map((run) => runWorker(ctx, run));
  return runnerApi(r, bell.ring, async () => {
    abort.abort();
    await Promise.all([bell.close(), ...workers]);
  });
};

/** Whether the projection's live tables are being kept up: not failed, not frozen behind a version change. */
const isHealthy = (run: Run): boolean => run.live.failure === undefined && !isFrozen(run);

const status = async (r: Runner): Promise<ProjectionStatus[]> => {
  const head = await r.options.store.headPosition();
  return Promise.all([...r.runs.values()].map((run) => statusOf(r.options.store, head, run)));
};

const runnerApi = (r: Runner, ring: () => void, stop: () => Promise<void>): ProjectionRunner => {
  let closing: Promise<void> | undefined;
  const closed = () => new UnavailableError('projections_closed', 'The projections are shutting down', { retryAfter: 1 });
  return {
    status: () => status(r),
    waitForPosition: async (position, timeoutMs = 5_000, names) => {
      if (closing) throw closed();
      return waitForPosition(r, position, timeoutMs, names);
    },
    rebuild: async (name) => {
      if (closing) throw closed();
      return rebuild(r, name, ring);
    },
    physicalTable: (projection, logical) => physicalTable(r, projection, logical),
    isHealthy: (projection) => isHealthy(runOf(r, projection)),
    failed: () => [...r.runs.values()].filter((run) => failureOf(run) !== undefined).map((run) => run.projector.name),
    checkpointOf: (projection) => {
      const run = r.runs.get(projection);
      return run && isHealthy(run) ? run.live.checkpoint : undefined;
    },
    close: () => (closing ??= closeRunner(r, stop)),
  };
};
