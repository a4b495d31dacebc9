/** What `GET /api/superadmin/projections` shows about each projector. */
import type { EventStore } from '../events/log/port.js';
import type { Slot } from './batch.js';
import { failureOf, type Run } from './worker.js';

/** `catching_up` until a read finds nothing more; `failed` while any generation backs off. */
export type ProjectionStatusName = 'catching_up' | 'live' | 'rebuilding' | 'failed';

/** One projector's status (bigints: positions; `rate`: events per second). */
export type ProjectionStatus = {
  name: string;
  /** The version the code declares (the live tables may still be an older one while rebuilding). */
  version: number;
  status: ProjectionStatusName;
  /** Position of the last event applied to the tables readers see. */
  checkpoint: bigint;
  /** Events in the log after `checkpoint` (at most `LAG_CAP` counted when positions are sparse). */
  lag: bigint;
  /** Events applied per second, over the last ten seconds. */
  rate: number;
  error?: { position: bigint; message: string; attempts: number; retryAt: Date };
  rebuild?: { version: number; generation: number; checkpoint: bigint; lag: bigint };
};

/** Sparse positions (EventStoreDB's are byte offsets): lag is counted, up to this many events. */
export const LAG_CAP = 10_000;

/** Events after `checkpoint`: a subtraction where positions are dense (the embedded store), else a bounded count. */
export const lagAfter = async (store: EventStore, head: bigint, checkpoint: bigint): Promise<bigint> => {
  if (checkpoint >= head) return 0n;
  if (store.kind === 'sqlite') return head - checkpoint;
  return BigInt((await store.readAll({ after: checkpoint, maxCount: LAG_CAP })).length);
};

const statusName = (run: Run): ProjectionStatusName => {
  if (failureOf(run)) return 'failed';
  if (run.next) return 'rebuilding';
  return run.caughtUp ? 'live' : 'catching_up';
};

const rebuildOf = async (store: EventStore, head: bigint, next: Slot): Promise<ProjectionStatus['rebuild']> => ({
  version: next.version,
  generation: next.generation,
  checkpoint: next.checkpoint,
  lag: await lagAfter(store, head, next.checkpoint),
});

/** The status of one projector; `head` is the log's head position. */
export const statusOf = async (store: EventStore, head: bigint, run: Run): Promise<ProjectionStatus> => {
  const lag = await lagAfter(store, head, run.live.checkpoint);
  return {
    name: run.projector.name,
    version: run.projector.version,
    // Caught up to the head it just read: live, even before the worker's next turn says so.
    status: lag === 0n && statusName(run) === 'catching_up' ? 'live' : statusName(run),
    checkpoint: run.live.checkpoint,
    lag,
  rate: run.meter.perSecond(),
    ...(failureOf(run) ? { error: { ...failureOf(run)! } } : {}),
    ...(run.next ? { rebuild: await rebuildOf(store, head, run.next) } : {}),
  };
};

/**
 * Rejects naming the failed projectors; their errors stay on `GET /api/superadmin/projections`, not
 * on a public probe, which reads no log either (`status` counts lags, a read per projector on EventStoreDB).
 */
export const noneFailed = async (runner: { failed(): string[] }): Promise<void> => {
  const failed = runner.failed();
  if (failed.length > 0) throw new Error(failed.join(', '));
};
