/**
 * The in-process job runner, used when no REDIS_URL is set: jobs run inside the API process with
 * the same semantics as the BullMQ queue (retries with exponential backoff, delays, per-kind
 * concurrency, dedupe by id, bounded history), for a single-process deployment. Given a file
 * (`DATA_DIR/jobs.db` in the server), unfinished jobs are kept there and scheduled again at the
 * next start (`in-process-store.ts`); without one they live in memory only and are dropped when
 * the process stops (a warning says how many).
 */
import type { Logger } from 'pino';
import { openJobStore, type JobStore, type StoredRow } from './in-process-store.js';
import { createKinds, logFailedRun, reasonOf, resolveEnqueue, type Kind, type Kinds } from './kinds.js';
import {
  backoffDelay,
  DEFAULT_RETENTION,
  type EnqueueOptions,
  type JobData,
  type JobQueue,
  type JobRecord,
  type JobState,
  type Retention,
  type StoredJob,
} from './port.js';

type Entry = {
  id: string;
  name: string;
  data: JobData;
  state: JobState;
  attemptsMade: number;
  failedReason: string | undefined;
  timer: NodeJS.Timeout | undefined;
  finishedAt: number;
};

type Lane = { kind: Kind; ready: Entry[]; running: number; finished: { completed: Entry[]; failed: Entry[] } };

type Runner = {
  kinds: Kinds;
  lanes: Map<string, Lane>;
  entries: Map<string, Entry>;
  running: Set<Promise<void>>;
  retention: Retention;
  logger: Logger;
  store: JobStore | undefined;
};

/** `file`: where unfinished jobs are kept across restarts (memory only without one). */
export type InProcessJobQueueOptions = { logger: Logger; retention?: Retention; file?: string };

const keyOf = (name: string, id: string): string => `${name}\u0000${id}`;

const laneOf = (r: Runner, name: string): Lane => r.lanes.get(name)!;

const without = (list: Entry[], entry: Entry): void => {
  const index = list.indexOf(entry);
  if (index >= 0) list.splice(index, 1);
};

const prune = (r: Runner, list: Entry[], bound: Retention['completed']): void => {
  const cutoff = Date.now() - bound.ageSeconds * 1000;
  while (list.length > bound.count || (list[0] !== undefined && list[0].finishedAt < cutoff)) {
    const old = list.shift()!;
    r.entries.delete(keyOf(old.name, old.id));
  }
};

const finish = (r: Runner, entry: Entry, state: 'completed' | 'failed'): void => {
  r.store?.remove(entry.name, entry.id);
  entry.state = state;
  entry.finishedAt = Date.now();
  const history = laneOf(r, entry.name).finished[state];
  history.push(entry);
  prune(r, history, r.retention[state]);
};

const makeReady = (r: Runner, entry: Entry): void => {
  entry.timer = undefined;
  entry.state = 'waiting';
  const lane = laneOf(r, entry.name);
  lane.ready.push(entry);
  pump(r, lane);
};

// A timer may fire a millisecond before `Date.now()` reaches its due time: re-arm until it has.
// Node fires a timeout beyond 2^31 - 1 ms at once, so a longer delay (a quote's expiry) waits in steps.
const MAX_TIMEOUT_MS = 2_147_483_647;

const arm = (r: Runner, entry: Entry, dueAt: number): void => {
  const fire = () => (Date.now() >= dueAt ? makeReady(r, entry) : arm(r, entry, dueAt));
  entry.timer = setTimeout(fire, Math.min(MAX_TIMEOUT_MS, Math.max(1, dueAt - Date.now()))).unref();
};

const schedule = (r: Runner, entry: Entry, delayMs: number): void => {
  if (delayMs <= 0) return makeReady(r, entry);
  entry.state = 'delayed';
  arm(r, entry, Date.now() + delayMs);
};

const failed = (r: Runner, kind: Kind, entry: Entry, error: unknown): void => {
  entry.failedReason = reasonOf(error);
  const final = entry.attemptsMade >= kind.attempts;
  const { id: jobId, attemptsMade, failedReason: reason } = entry;
  logFailedRun(r.logger, { kind: kind.name, jobId, attemptsMade, final, reason });
  if (final) return finish(r, entry, 'failed');
  const delayMs = backoffDelay(kind.backoffMs, entry.attemptsMade);
  r.store?.reschedule(entry.name, entry.id, Date.now() + delayMs, entry.attemptsMade);
  schedule(r, entry, delayMs);
};

const attempt = async (r: Runner, kind: Kind, entry: Entry): Promise<void> => {
  const job = { id: entry.id, name: entry.name, data: structuredClone(entry.data), attempt: entry.attemptsMade + 1 };
  try {
    await kind.handler(job);
    entry.attemptsMade += 1;
    finish(r, entry, 'completed');
  } catch (error) {
    entry.attemptsMade += 1;
    failed(r, kind, entry, error);
  }
};

const run = (r: Runner, lane: Lane, entry: Entry): void => {
  entry.state = 'active';
  lane.running += 1;
  const done: Promise<void> = attempt(r, lane.kind, entry).finally(() => {
    lane.running -= 1;
    r.running.delete(done);
    pump(r, lane);
  });
  r.running.add(done);
};

const pump = (r: Runner, lane: Lane): void => {
  if (r.kinds.phase() !== 'started') return;
  while (lane.running < lane.kind.concurrency && lane.ready.length > 0) run(r, lane, lane.ready.shift()!);
};

const newEntry = (r: Runner, { name, id, data, attemptsMade }: Omit<StoredRow, 'dueAt'>): Entry => {
  const entry: Entry = { id, name, data, state: 'waiting', attemptsMade, failedReason: undefined, timer: undefined, finishedAt: 0 };
  r.entries.set(keyOf(name, id), entry);
  return entry;
};

const enqueue = async (r: Runner, name: string, data: JobData, options: EnqueueOptions = {}): Promise<{ id: string }> => {
  r.kinds.assertOpen();
  r.kinds.get(name);
  const { id, delayMs } = resolveEnqueue(options);
  if (r.entries.has(keyOf(name, id))) return { id };
  const copy = JSON.parse(JSON.stringify(data)) as JobData;
  // Stored first: a failed write leaves nothing in memory, so the enqueue's retry is not taken for a duplicate.
  r.store?.put({ name, id, data: copy, dueAt: Date.now() + delayMs, attemptsMade: 0 });
  schedule(r, newEntry(r, { name, id, data: copy, attemptsMade: 0 }), delayMs);
  return { id };
};

/** Schedules again the jobs a previous run left unfinished (of the kinds registered now). */
const restore = (r: Runner): void => {
  for (const row of r.store?.unfinished() ?? []) {
    if (!r.lanes.has(row.name) || r.entries.has(keyOf(row.name, row.id))) continue;
    schedule(r, newEntry(r, row), row.dueAt - Date.now());
  }
};

const drop = (r: Runner, entry: Entry): void => {
  clearTimeout(entry.timer);
  r.store?.remove(entry.name, entry.id);
  r.entries.delete(keyOf(entry.name, entry.id));
  const lane = laneOf(r, entry.name);
  without(lane.ready, entry);
  without(lane.finished.completed, entry);
  without(lane.finished.failed, entry);
};

const removeWhere = (r: Runner, select: (entry: Entry) => boolean): number => {
  const doomed = [...r.entries.values()].filter((entry) => entry.state !== 'active' && select(entry));
  doomed.forEach((entry) => drop(r, entry));
  return doomed.length;
};

const storedJob = (entry: Entry): StoredJob => ({ id: entry.id, name: entry.name, data: structuredClone(entry.data) });

const record = (entry: Entry | undefined): JobRecord | undefined =>
  entry && {
    id: entry.id, name: entry.name, state: entry.state, attemptsMade: entry.attemptsMade, failedReason: entry.failedReason,
  };

const shutdown = async (r: Runner): Promise<void> => {
  while (r.running.size > 0) await Promise.allSettled([...r.running]);
  const pending = [...r.entries.values()].filter((e) => e.state === 'waiting' || e.state === 'delayed');
  pending.forEach((entry) => clearTimeout(entry.timer));
  if (pending.length > 0 && r.store) r.logger.info({ pending: pending.length }, 'in-process job queue closed; pending jobs are kept for the next start');
  else if (pending.length > 0) r.logger.warn({ pending: pending.length }, 'in-process job queue closed; pending jobs are dropped');
  r.store?.close();
  r.kinds.advance('closed');
};

/** The in-process `JobQueue`. `retention` bounds the finished jobs kept in memory, per kind and state. */
export const createInProcessJobQueue = (options: InProcessJobQueueOptions): JobQueue => {
  const r: Runner = {
    kinds: createKinds(), lanes: new Map(), entries: new Map(),
    running: new Set(), retention: options.retention ?? DEFAULT_RETENTION, logger: options.logger,
    store: options.file === undefined ? undefined : openJobStore(options.file),
  };
  let closing: Promise<void> | undefined;
  return {
    kind: 'in-process',
    register: (name, handler, kindOptions) => {
      const kind = r.kinds.add(name, handler as Kind['handler'], kindOptions);
      r.lanes.set(name, { kind, ready: [], running: 0, finished: { completed: [], failed: [] } });
    },
    kinds: () => r.kinds.names(),
    enqueue: (name, data, enqueueOptions) => enqueue(r, name, data, enqueueOptions),
    start: async () => {
      r.kinds.assertOpen();
      if (!r.kinds.advance('started')) return;
      restore(r);
      r.lanes.forEach((lane) => pump(r, lane));
    },
    get: async (name, id) => record(r.entries.get(keyOf(r.kinds.get(name).name, id))),
    remove: async (id) => removeWhere(r, (entry) => entry.id === id) > 0,
    removeWhere: async (predicate) => removeWhere(r, (e) => predicate(storedJob(e))),
    close: () => (closing ??= (r.kinds.advance('closing'), shutdown(r))),
  };
};
