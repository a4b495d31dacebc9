/**
 * Group commit for the SQLite store. `enqueue` queues a validated append; one flush per turn of
 * the event loop takes everything queued and writes it in one `BEGIN IMMEDIATE` transaction (one
 * fsync). At most one transaction is in flight, so appends arriving during a commit go into the
 * next one. Once appends have come in together, batches go to the writer thread
 * (`sqlite-writer-thread.ts`), so this thread keeps deciding and encrypting while a batch is
 * written and fsynced; until then (a lone writer) they are written right here, with no thread hop.
 * A promise settles only after the transaction holding its append committed.
 */
import type Database from 'better-sqlite3';
import { EventStoreUnavailableError, type AppendResult } from './port.js';
import { startWriterThread, type WriterThread } from './sqlite-writer-client.js';
import { batchWriter, fromWire, type Outcome, type WireAppend, type WireBatchResult } from './sqlite-write.js';

export type Writer = {
  enqueue(append: WireAppend): Promise<AppendResult>;
  /** Resolves once everything queued has committed and settled; then stops the thread. */
  drain(): Promise<void>;
  afterCommit(listener: () => void): void;
};

type Pending = { append: WireAppend; resolve: (result: AppendResult) => void; reject: (error: unknown) => void };

type State = {
  write: ReturnType<typeof batchWriter>;
  file: string;
  queue: Pending[];
  /** Milliseconds of work each resumed caller did before yielding (moving average). */
  perCaller: number;
  scheduled: boolean;
  inFlight: boolean;
  settling: number;
  thread: WriterThread | undefined;
  idle: Array<() => void>;
  listeners: Array<() => void>;
};

// Callers resumed at once by a commit would run their next commands back to back, leaving the
// writer thread idle meanwhile. They are resumed in slices of about this much work, with a flush
// between slices, so the first ones' appends are being written while the others still work.
const SLICE_MS = 1;

const isIdle = (st: State): boolean => st.queue.length === 0 && !st.scheduled && !st.inFlight && st.settling === 0;

const checkIdle = (st: State): void => {
  if (!isIdle(st)) return;
  for (const resolve of st.idle.splice(0)) resolve();
};

const sliceSize = (st: State): number => Math.max(4, Math.round(SLICE_MS / st.perCaller));

// 1. resume one slice of callers; 2. once they yield, learn how long they took; 3. flush, next slice.
const settle = (st: State, batch: Pending[], outcomes: Outcome[], from: number, flush: () => void): void => {
  const to = Math.min(from + sliceSize(st), batch.length);
  const started = performance.now();
  for (let i = from; i < to; i++) {
    const o = outcomes[i]!;
    if (o.ok) batch[i]!.resolve(o.result);
    else batch[i]!.reject(o.error);
  }
  st.settling += 1;
  setImmediate(() => {
    st.perCaller = 0.8 * st.perCaller + (0.2 * (performance.now() - started)) / (to - from);
    st.settling -= 1;
    flush();
    if (to < batch.length) settle(st, batch, outcomes, to, flush);
    else checkIdle(st);
  });
};

const failAll = (batch: Pending[], cause: unknown): void => {
  const failure = new EventStoreUnavailableError('The event store could not commit', cause);
  for (const p of batch) p.reject(failure);
};

// 1. the commit is done. When its callers take more than a slice to resume, the batch queued
// meanwhile goes at once (written while they work); otherwise their appends join it (one fsync,
// not two). 2. tell listeners; 3. settle.
const committed = (st: State, batch: Pending[], result: WireBatchResult | Outcome[], flushNext: () => void): void => {
  st.inFlight = false;
  if (batch.length > sliceSize(st)) flushNext();
  if ('failed' in result) {
    failAll(batch, new Error(result.failed));
    flushNext();
    return checkIdle(st);
  }
  for (const listener of st.listeners) listener();
  settle(st, batch, Array.isArray(result) ? result : result.outcomes.map(fromWire), 0, flushNext);
};

/** Writes `batch` on this thread's connection (synchronously, as one transaction). */
const writeHere = (st: State, batch: Pending[], now: string): WireBatchResult | Outcome[] => {
  try {
    return st.write(batch.map((p) => p.append), now);
  } catch (error) {
    return { failed: error instanceof Error ? error.message : String(error) };
  }
};

// 1. take everything queued; 2. write it here (no thread yet) or on the thread; 3. settle after the commit.
const flush = (st: State): void => {
  if (st.inFlight || st.queue.length === 0) return checkIdle(st);
  const batch = st.queue;
  st.queue = [];
  const now = new Date().toISOString();
  if (batch.length > 1 && st.file !== ':memory:') st.thread ??= startWriterThread(st.file);
  const thread = st.thread?.ready() ? st.thread : undefined;
  st.inFlight = true;
  if (!thread) return committed(st, batch, writeHere(st, batch, now), () => flushSoon(st));
  void thread.write(batch.map((p) => p.append), now).then((result) => committed(st, batch, result, () => flush(st)));
};

const flushSoon = (st: State): void => {
  if (st.scheduled || st.inFlight || st.queue.length === 0) return;
  st.scheduled = true;
  setImmediate(() => ((st.scheduled = false), flush(st)));
};

export const createWriter = (db: Database.Database, file: string): Writer => {
  const st: State = {
    write: batchWriter(db),
    file,
    queue: [],
    perCaller: 0.05,
    scheduled: false,
    inFlight: false,
    settling: 0,
    thread: undefined,
    idle: [],
    listeners: [],
  };
  return {
    enqueue: (append) =>
      new Promise<AppendResult>((resolve, reject) => {
        st.queue.push({ append, resolve, reject });
        flushSoon(st);
      }),
    drain: async () => {
      if (!isIdle(st)) await new Promise<void>((resolve) => st.idle.push(resolve));
      await st.thread?.close();
    },
    afterCommit: (listener) => void st.listeners.push(listener),
  };
};
