/**
 * One projector's worker: an async loop that reads pages of the log after a checkpoint and
 * applies them as batches, to the live generation of its tables (unless they belong to an older
 * version of the projector, which no longer runs) and to the generation being rebuilt, if any.
 * A failure stops that generation alone: it is recorded on it and retried with exponential
 * backoff, while the other generation and the other projectors go on.
 */
import { AppError } from '../errors.js';
import type { EventStore, RecordedEvent } from '../events/log/port.js';
import { applyBatch, type BatchContext, type BatchResult, type Failure, type Slot } from './batch.js';
import type { Doorbell } from './doorbell.js';
import { indexStatements } from './generations.js';
import type { Projector } from './projector.js';
import { stateOf } from './registry.js';
import { backoffDelay, pause, type Backoff, type RateMeter, type TurnBudget } from './timing.js';

/** A projector as the runner tracks it. */
export type Run = {
  projector: Projector;
  handled: ReadonlySet<string>;
  live: Slot;
  /** The generation being rebuilt, until it is swapped in. */
  next: Slot | undefined;
  caughtUp: boolean;
  meter: RateMeter;
  /** Milliseconds the live tables take to apply one event (moving average): sizes live batches. */
  msPerEvent: number;
};

/** What a worker needs from the runner: the log, tuning, the doorbell and the runner's hooks. */
export type WorkerContext = BatchContext & {
  /** The log as the live generations read it: recent pages shared by all of them. */
  store: EventStore;
  /** The log itself, for a rebuild's pages (shared with no one: they would only push the recent ones out). */
  log: EventStore;
  batchSize: number;
  pollMs: number;
  backoff: Backoff;
  signal: AbortSignal;
  bell: Doorbell;
  /** The live batches' share of this turn of the event loop, shared by every worker. */
  turn: TurnBudget;
  /** After each committed batch (waiters, WAL checkpoint after an erasure, old tables after a swap). */
  committed: (run: Run, result: Extract<BatchResult, { ok: true }>) => void;
  /** After a page passed without a batch (waiters). */
  passed: (run: Run) => void;
  /** Another runner moved the checkpoint: re-read the registry. */
  reload: (run: Run) => void;
  failed: (run: Run, slot: Slot, error: unknown) => void;
};

type Outcome = 'more' | 'idle';

/** The live tables of an older projector version are frozen: only the rebuild writes. */
export const isFrozen = (run: Run): boolean => run.live.version !== run.projector.version;

/** The first failure of a projector's generations (the live one first). */
export const failureOf = (run: Run): Failure | undefined => run.live.failure ?? run.next?.failure;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const isCurrent = (run: Run, slot: Slot): boolean => run.live === slot || run.next === slot;

const activeSlots = (run: Run): Slot[] => [isFrozen(run) ? undefined : run.live, run.next].filter((s): s is Slot => s !== undefined);

const advance = (run: Run, slot: Slot, result: Extract<BatchResult, { ok: true }>, count: number): void => {
  Object.assign(slot, { checkpoint: result.to, saved: result.to, passed: 0 });
  run.meter.add(count);
  if (!result.swapped) return;
  run.live = { ...slot, role: 'live' };
  run.next = undefined;
};

/**
 * Another process (the CLI, a rebuild job) swapped or began a generation, or moved a checkpoint:
 * this run's tables or positions are not the registry's.
 */
const registryMoved = (ctx: WorkerContext, run: Run): boolean => {
  const state = stateOf(ctx.registry, run.projector.name);
  if (state === undefined || state.generation !== run.live.generation || state.next?.generation !== run.next?.generation) return true;
  return state.checkpoint !== run.live.saved || (run.next !== undefined && state.next?.checkpoint !== run.next.saved);
};

const fail = (ctx: WorkerContext, run: Run, slot: Slot, position: bigint, error: unknown): Outcome => {
  if ((error instanceof AppError && error.code === 'stale_checkpoint') || registryMoved(ctx, run)) {
    ctx.reload(run);
    return 'more';
  }
  const attempts = (slot.failure?.attempts ?? 0) + 1;
  const message = error instanceof Error ? error.message : String(error);
  const retryAt = new Date(Date.now() + backoffDelay(attempts, ctx.backoff));
  slot.failure = { position, message, attempts, retryAt };
  ctx.failed(run, slot, error);
  return 'idle';
};

// A batch runs synchronously, so requests wait for it. Following the log's tail, live batches of
// all projectors together hold about `ctx.turn`'s budget of work per turn of the event loop (the
// commit of a short batch costs little: no fsync on read.db); a backlog of more than a whole batch
// (a start after downtime, a first build) and a rebuild take whole batches, for throughput.
const MIN_LIVE_BATCH = 16;

const isFollowing = (ctx: WorkerContext, slot: Slot): boolean =>
  slot.role === 'live' && ctx.bell.latest() - slot.checkpoint <= BigInt(ctx.batchSize);

const batchSizeOf = (ctx: WorkerContext, run: Run, slot: Slot): number => {
  if (!isFollowing(ctx, slot)) return ctx.batchSize;
  const fits = Math.floor(ctx.turn.remaining() / Math.max(run.msPerEvent, 1e-3));
  return Math.max(MIN_LIVE_BATCH, Math.min(ctx.batchSize, fits));
};

/**
 * A live page holding no event this projector handles moves its checkpoint in memory only (most
 * projectors handle few of the log's event types: a transaction each would cost every write
 * as many commits), until a batch's worth of such events is due to be saved.
 */
const passes = (ctx: WorkerContext, run: Run, slot: Slot, page: readonly RecordedEvent[]): boolean => {
  if (slot.role !== 'live' || page.length === 0 || slot.passed + page.length >= ctx.batchSize) return false;
  if (page.some((event) => run.handled.has(event.type))) return false;
  Object.assign(slot, { checkpoint: page[page.length - 1]!.position, passed: slot.passed + page.length });
  run.meter.add(page.length);
  ctx.passed(run);
  return true;
};

const commit = (ctx: WorkerContext, run: Run, slot: Slot, page: RecordedEvent[], swap: boolean): Outcome | undefined => {
  const started = performance.now();
  const result = applyBatch(ctx, { projector: run.projector, handled: run.handled, slot, page, swap });
  if (slot.role === 'live') {
    const took = performance.now() - started;
    ctx.turn.spend(took);
    if (page.length > 0) run.msPerEvent = 0.7 * run.msPerEvent + (0.3 * took) / page.length;
  }
  if (!result.ok) return fail(ctx, run, slot, result.position, result.error);
  advance(run, slot, result, page.length);
  ctx.committed(run, result);
  return undefined;
};

const commitAny = (ctx: WorkerContext, run: Run, slot: Slot, page: RecordedEvent[], swap: boolean): Outcome | undefined =>
  page.length > 0 || swap ? commit(ctx, run, slot, page, swap) : undefined;

/** A rebuild's rows are loaded: build its deferred indexes, one per turn of the event loop. */
const buildIndexes = async (ctx: WorkerContext, run: Run, slot: Slot): Promise<Outcome> => {
  try {
    for (const sql of indexStatements(run.projector, slot.tables)) {
      if (ctx.signal.aborted) return 'idle';
      ctx.db.exec(sql);
      await nextTurn();
    }
  } catch (error) {
    return fail(ctx, run, slot, slot.checkpoint, error);
  }
  slot.indexed = true;
  return 'more';
};

// 1. read a page after the checkpoint; 2. apply it; 3. a rebuild that caught up builds its indexes, then swaps.
const stepSlot = async (ctx: WorkerContext, run: Run, slot: Slot): Promise<Outcome> => {
  if (isFollowing(ctx, slot) && !ctx.turn.admits(run)) return 'more'; // this turn's share is spent: the next one
  let page;
  const maxCount = batchSizeOf(ctx, run, slot);
  try {
    page = await (slot.role === 'next' ? ctx.log : ctx.store).readAll({ after: slot.checkpoint, maxCount });
  } catch (error) {
    return fail(ctx, run, slot, slot.checkpoint, error);
  }
  if (ctx.signal.aborted || !isCurrent(run, slot)) return 'idle';
  const caughtUp = page.length < maxCount;
  const finishing = slot.role === 'next' && caughtUp;
  const swap = finishing && slot.indexed === true;
  const failed = swap || !passes(ctx, run, slot, page) ? commitAny(ctx, run, slot, page, swap) : undefined;
  if (failed) return failed;
  slot.failure = undefined;
  if (finishing && !swap) return buildIndexes(ctx, run, slot);
  return caughtUp ? 'idle' : 'more';
};

const isDue = (slot: Slot): boolean => !slot.failure || slot.failure.retryAt.getTime() <= Date.now();

/** One batch for each active generation whose backoff (if any) is over. */
const step = async (ctx: WorkerContext, run: Run): Promise<Outcome> => {
  let more = false;
  for (const slot of activeSlots(run)) {
    if (!isCurrent(run, slot) || !isDue(slot)) continue; // replaced by a swap just made, or backing off
    more = (await stepSlot(ctx, run, slot)) === 'more' || more;
  }
  return more ? 'more' : 'idle';
};

/** Sleeps until the doorbell rings past a healthy generation's checkpoint, a retry is due, or `pollMs`. */
const idle = async (ctx: WorkerContext, run: Run): Promise<void> => {
  const slots = activeSlots(run);
  const retries = slots.flatMap((s) => (s.failure ? [s.failure.retryAt.getTime() - Date.now()] : []));
  const timeout = Math.max(0, Math.min(ctx.pollMs, ...retries));
  const healthy = slots.filter((s) => !s.failure).map((s) => s.checkpoint);
  if (healthy.length === 0) return pause(timeout, ctx.signal);
  await ctx.bell.wait(healthy.reduce((min, p) => (p < min ? p : min)), timeout);
};

/**
 * Runs one projector until `ctx.signal` aborts: 1. one batch per generation; 2. more to read:
 * yield to the event loop and go on; 3. else sleep until woken.
 */
export const runWorker = async (ctx: WorkerContext, run: Run): Promise<void> => {
  while (!ctx.signal.aborted) {
    const outcome = await step(ctx, run);
    run.caughtUp = outcome === 'idle' && !failureOf(run);
    // The embedded store answers in microtasks: without this, a rebuild would starve queries and requests.
    if (outcome === 'more') await nextTurn();
    else await idle(ctx, run);
  }
};
