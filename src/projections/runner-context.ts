/**
 * What the runner's workers run with (see `runner.ts`): the runner's state, how the workers read
 * the log, and what follows a committed batch: a rebuild's swap settles its ticket and schedules
 * the drop of the retired tables; an erasure checkpoints the WAL.
 */
import type { KeyStore } from '../events/personal-data/key-store.js';
import { tenantLookupHash } from '../events/personal-data/keyed-hash.js';
import { readableEvent } from '../events/personal-data/read.js';
import { learningStreamSubjects } from '../events/personal-data/stream-subjects.js';
import { noUpcasters } from '../events/upcasting.js';
import type { consistencyWaiters } from './consistency.js';
import { dropRetired } from './generations.js';
import type { Registry } from './registry.js';
import { sharedReads, sharedReveals } from './shared-reads.js';
import { loadRun } from './runs.js';
import { DEFAULT_BACKOFF, turnBudget } from './timing.js';
import type { Run, WorkerContext } from './worker.js';
import { settleMovedTicket, type Ticket } from './tickets.js';
import type { ProjectionRunnerOptions } from './runner.js';

/** The runner's state, shared by its API and its workers. */
export type Runner = {
  options: ProjectionRunnerOptions;
  registry: Registry;
  runs: Map<string, Run>;
  tickets: Map<string, Ticket>;
  timers: Set<NodeJS.Timeout>;
  waiters: ReturnType<typeof consistencyWaiters>;
  walDirty: boolean;
};

export const lookupHashOf = (keyStore: KeyStore) => (tenantId: string, purpose: string, value: string): string =>
  tenantLookupHash(keyStore, tenantId, purpose, value);

/** Runs `fn` after `ms` unless the runner closes first. */
const later = (r: Runner, ms: number, fn: () => void): void => {
  const timer = setTimeout(() => {
    r.timers.delete(timer);
    fn();
  }, ms);
  timer.unref();
  r.timers.add(timer);
};

/** Drops a projection's retired tables after the grace period (again later if one was busy). */
const scheduleDrop = (r: Runner, name: string, delayMs: number): void =>
  later(r, delayMs, () => {
    if (dropRetired(r.options.readDb, r.registry, name).length > 0) scheduleDrop(r, name, delayMs);
  });

/**
 * Scrubbed rows leave old page images in the WAL: checkpoint it. A reader holding an old snapshot
 * makes it busy: then it is retried a second later (or after the next batch), never waited for.
 */
const checkpointWal = (r: Runner): void => {
  const db = r.options.readDb.db;
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    r.walDirty = result?.busy !== 0;
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
  if (r.walDirty) later(r, 1_000, () => r.walDirty && checkpointWal(r));
};

const committed = (r: Runner): WorkerContext['committed'] => (run, result) => {
  if (result.erasures > 0 || r.walDirty) checkpointWal(r);
  if (result.swapped) {
    const name = run.projector.name;
    r.options.logger?.info({ projection: name, generation: run.live.generation }, 'projection rebuilt and swapped');
    r.tickets.get(name)?.settle('swapped');
    r.tickets.delete(name);
    scheduleDrop(r, name, r.options.dropAfterMs ?? 5_000);
  }
  r.waiters.check();
};

// Requests wait while a batch runs: following the log's tail, all projectors together apply about
// this much work per turn of the event loop.
const LIVE_MS_PER_TURN = 8;

/** How the workers read and reveal the log: the live generations share recent pages and reveals, a rebuild reads alone. */
const logReaders = (r: Runner): Pick<WorkerContext, 'read' | 'readAlone' | 'store' | 'log'> => {
  const { store, keyStore, upcasters } = r.options;
  // Old events that name no subject are revealed under their stream's, looked up as pages are read.
  const { store: learning, streamSubjects } = learningStreamSubjects(store);
  return {
    read: sharedReveals(readableEvent(keyStore, upcasters ?? noUpcasters, { streamSubjects })),
    readAlone: readableEvent(keyStore, upcasters ?? noUpcasters, { streamSubjects }),
    store: sharedReads(learning),
    log: learning,
  };
};

const logFailure = ({ logger }: ProjectionRunnerOptions): WorkerContext['failed'] => (run, slot, error) => {
  const { position, attempts, message } = slot.failure!;
  const fields = { projection: run.projector.name, generation: slot.generation, position: String(position), attempts };
  logger?.warn({ ...fields, code: (error as { code?: unknown } | null)?.code }, `projection failed: ${message}`);
};

/** The context of every worker of the runner `r`, until `signal` aborts; `bell` wakes them. */
export const workerContext = (r: Runner, signal: AbortSignal, bell: WorkerContext['bell']): WorkerContext => {
  const { keyStore, readDb } = r.options;
  return {
    db: readDb.db,
    registry: r.registry,
    ...logReaders(r),
    batchSize: r.options.batchSize ?? 1_000,
    pollMs: r.options.pollMs ?? 1_000,
    turn: turnBudget(LIVE_MS_PER_TURN),
    backoff: r.options.backoff ?? DEFAULT_BACKOFF,
    signal,
    bell,
    committed: committed(r),
    passed: () => r.waiters.check(),
    reload: (run) => {
      Object.assign(run, loadRun(readDb, r.registry, run.projector, run.meter, lookupHashOf(keyStore)));
      settleMovedTicket(r.tickets, run);
    },
    failed: logFailure(r.options),
  };
};
