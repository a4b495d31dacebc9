/**
 * The BullMQ job queue, used when REDIS_URL is set. One BullMQ queue per job kind (queue name =
 * kind name, BullMQ job name = kind name too) under one key prefix per deployment: BullMQ's
 * concurrency is per Worker and a Worker consumes a whole queue, so per-kind concurrency needs a
 * queue per kind. Jobs get `attempts`, an exponential `backoff`, `jobId` = our id (BullMQ ignores
 * an add whose id still exists, which is our dedupe) and bounded `removeOnComplete`/`removeOnFail`
 * so finished payloads do not linger in Redis.
 *
 * Connections are all built from the one REDIS_URL: producers (Queue) fail fast when Redis is down
 * (`enableOfflineQueue: false`, enqueue answers 503), consumers (Worker) use
 * `maxRetriesPerRequest: null` so their blocking commands wait through reconnects.
 */
import { Queue, Worker, type ConnectionOptions, type Job, type JobsOptions, type JobState as BullState } from 'bullmq';
import type { Logger } from 'pino';
import { AppError, UnavailableError } from '../errors.js';
import { createKinds, logFailedRun, reasonOf, resolveEnqueue, type Kind, type Kinds } from './kinds.js';
import {
  DEFAULT_RETENTION,
  type EnqueueOptions,
  type JobData,
  type JobQueue,
  type JobRecord,
  type JobState,
  type Retention,
  type StoredJob,
} from './port.js';

export type BullMqJobQueueOptions = {
  /** The REDIS_URL (redis: or rediss:, with credentials and database as ioredis reads them). */
  url: string;
  /** Key prefix, one per deployment (and per test run): every key is `<prefix>:<kind>:…`. */
  prefix: string;
  logger: Logger;
  retention?: Retention;
};

type BullJob = Job<JobData, void, string>;
type Lane = { kind: Kind; queue: Queue<JobData, void, string>; worker: Worker<JobData, void, string> | undefined };
type State = { kinds: Kinds; lanes: Map<string, Lane>; options: BullMqJobQueueOptions; retention: Retention };

const PAGE = 500;
const SCANNED: BullState[] = ['waiting', 'delayed', 'prioritized', 'completed', 'failed'];

const producerConnection = (url: string): ConnectionOptions => ({ url, enableOfflineQueue: false });
const consumerConnection = (url: string): ConnectionOptions => ({ url, maxRetriesPerRequest: null });

const jobOptions = (kind: Kind, id: string, delayMs: number, retention: Retention): JobsOptions => ({
  jobId: id,
  delay: delayMs,
  attempts: kind.attempts,
  backoff: { type: 'exponential', delay: kind.backoffMs },
  removeOnComplete: { age: retention.completed.ageSeconds, count: retention.completed.count },
  removeOnFail: { age: retention.failed.ageSeconds, count: retention.failed.count },
});

const toState = (state: BullState | 'unknown'): JobState | undefined => {
  switch (state) {
    case 'completed':
    case 'failed':
    case 'active':
    case 'delayed':
    case 'waiting':
      return state;
    case 'prioritized':
    case 'waiting-children':
      return 'waiting';
    case 'unknown':
      return undefined;
    default: {
      const never: never = state;
      throw new Error(`unexpected BullMQ job state ${String(never)}`);
    }
  }
};

const addLane = (s: State, kind: Kind): void => {
  const { url, prefix, logger } = s.options;
  const queue = new Queue<JobData, void, string>(kind.name, { connection: producerConnection(url), prefix });
  queue.on('error', (error) => logger.error({ kind: kind.name, reason: error.message }, 'job queue connection error'));
  s.lanes.set(kind.name, { kind, queue, worker: undefined });
};

const laneOf = (s: State, name: string): Lane => s.lanes.get(s.kinds.get(name).name)!;

const enqueue = async (s: State, name: string, data: JobData, options: EnqueueOptions = {}): Promise<{ id: string }> => {
  s.kinds.assertOpen();
  const lane = laneOf(s, name);
  const { id, delayMs } = resolveEnqueue(options);
  try {
    await lane.queue.add(name, data, jobOptions(lane.kind, id, delayMs, s.retention));
  } catch (error) {
    if (error instanceof AppError) throw error;
    s.options.logger.warn({ kind: name, jobId: id, reason: reasonOf(error) }, 'enqueue failed');
    throw new UnavailableError('job_queue_unavailable', 'The job queue is not available', { retryAfter: 5 });
  }
  return { id };
};

const onFailed = (s: State, kind: Kind, job: BullJob | undefined, error: Error): void => {
  const attemptsMade = job?.attemptsMade ?? kind.attempts;
  const final = job === undefined || attemptsMade >= (job.opts.attempts ?? 1);
  logFailedRun(s.options.logger, { kind: kind.name, jobId: job?.id ?? 'unknown', attemptsMade, final, reason: error.message });
};

const startLane = async (s: State, lane: Lane): Promise<void> => {
  const { kind } = lane;
  const processor = async (job: BullJob): Promise<void> =>
    kind.handler({ id: String(job.id), name: job.name, data: job.data, attempt: job.attemptsMade + 1 });
  const worker = new Worker<JobData, void, string>(kind.name, processor, {
    connection: consumerConnection(s.options.url),
    prefix: s.options.prefix,
    concurrency: kind.concurrency,
  });
  worker.on('failed', (job, error) => onFailed(s, kind, job, error));
  worker.on('error', (error) => s.options.logger.error({ kind: kind.name, reason: error.message }, 'job worker error'));
  lane.worker = worker;
  await worker.waitUntilReady();
};

const get = async (s: State, name: string, id: string): Promise<JobRecord | undefined> => {
  const job = await laneOf(s, name).queue.getJob(id);
  const state = job && toState(await job.getState());
  if (!job || !state) return undefined;
  return { id, name, state, attemptsMade: job.attemptsMade, failedReason: job.failedReason || undefined };
};

// Queue.remove answers 1 for an id that does not exist, so look the job up first.
const removeJob = async (lane: Lane, id: string): Promise<boolean> =>
  (await lane.queue.getJob(id)) !== undefined && (await lane.queue.remove(id)) === 1;

const remove = async (s: State, id: string): Promise<boolean> => {
  const removed = await Promise.all([...s.lanes.values()].map((lane) => removeJob(lane, id)));
  return removed.includes(true);
};

/** Ids of the lane's non-running jobs the predicate selects, read page by page. */
const selectIds = async (lane: Lane, predicate: (job: StoredJob) => boolean): Promise<string[]> => {
  const ids: string[] = [];
  for (let start = 0; ; start += PAGE) {
    const page = (await lane.queue.getJobs(SCANNED, start, start + PAGE - 1, true)).filter(Boolean);
    if (page.length === 0) return ids;
    for (const job of page) if (predicate({ id: String(job.id), name: job.name, data: job.data })) ids.push(String(job.id));
  }
};

const removeWhere = async (s: State, predicate: (job: StoredJob) => boolean): Promise<number> => {
  let count = 0;
  for (const lane of s.lanes.values()) {
    const ids = [...new Set(await selectIds(lane, predicate))];
    for (const id of ids) if ((await lane.queue.remove(id)) === 1) count += 1;
  }
  return count;
};

const shutdown = async (s: State): Promise<void> => {
  const lanes = [...s.lanes.values()];
  await Promise.all(lanes.map((lane) => lane.worker?.close()));
  await Promise.all(lanes.map((lane) => lane.queue.close()));
  s.kinds.advance('closed');
};

const start = async (s: State): Promise<void> => {
  s.kinds.assertOpen();
  if (s.kinds.advance('started')) await Promise.all([...s.lanes.values()].map((lane) => startLane(s, lane)));
};

/** The BullMQ `JobQueue`; `retention` defaults to `DEFAULT_RETENTION`. */
export const createBullMqJobQueue = (options: BullMqJobQueueOptions): JobQueue => {
  const s: State = { kinds: createKinds(), lanes: new Map(), options, retention: options.retention ?? DEFAULT_RETENTION };
  let closing: Promise<void> | undefined;
  return {
    kind: 'bullmq',
    register: (name, handler, kindOptions) => addLane(s, s.kinds.add(name, handler as Kind['handler'], kindOptions)),
    kinds: () => s.kinds.names(),
    enqueue: (name, data, enqueueOptions) => enqueue(s, name, data, enqueueOptions),
    start: () => start(s),
    get: (name, id) => get(s, name, id),
    remove: (id) => remove(s, id),
    removeWhere: (predicate) => removeWhere(s, predicate),
    close: () => (closing ??= (s.kinds.advance('closing'), shutdown(s))),
  };
};
