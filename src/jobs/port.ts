/**
 * The job-queue port (design: "A queue port with two implementations: BullMQ on Redis when
 * REDIS_URL is set, an in-process runner otherwise"). Both implementations pass one behaviour
 * suite (`test/jobs/contract.ts`); nothing above this port knows which one runs.
 *
 * Semantics:
 * - delivery is at-least-once: a handler may run again for the same job (a retry after a failure,
 *   a worker that died mid-job), so every handler must be idempotent;
 * - a job's `id` is its idempotency key, scoped to its kind: enqueueing an id that is still
 *   pending, running or within the retention bound of finished jobs is a no-op;
 * - a failing handler is retried up to `attempts` times in all, waiting
 *   `backoffMs * 2^(n-1)` after the n-th failure; then the job is recorded as failed;
 * - finished jobs are kept only within `Retention` (count and age), so no payload lingers.
 *
 * Job ids and kind names end up in Redis keys and log lines: never put personal data in them.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A job payload: a JSON object (it is stored and delivered as JSON, so it arrives as a copy). */
export type JobData = { [key: string]: JsonValue };

/** What a handler receives. `attempt` is 1 on the first run, 2 on the first retry, and so on. */
export type JobContext<D extends JobData = JobData> = {
  readonly id: string;
  readonly name: string;
  readonly data: D;
  readonly attempt: number;
};

/** Does the work of one job; throws to have it retried. Must be idempotent. */
export type JobHandler<D extends JobData = JobData> = (job: JobContext<D>) => Promise<void>;

export type KindOptions = {
  /** Jobs of this kind running at once in one consumer; default 1. */
  concurrency?: number;
  /** Total runs before the job is recorded as failed (the first run included); default 5. */
  attempts?: number;
  /** Base of the exponential backoff between attempts, in ms; default 1000. */
  backoffMs?: number;
};

export type EnqueueOptions = {
  /** Idempotency key: letters, digits, `.`, `_`, `-`, not only digits, at most 128; default a UUID. */
  id?: string;
  /** Run no earlier than this many ms from now; default 0. */
  delayMs?: number;
};

export type JobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';

/** What the queue knows about a job, without its payload. */
export type JobRecord = {
  id: string;
  name: string;
  state: JobState;
  /** Finished runs (failed ones, plus the successful one when completed). */
  attemptsMade: number;
  /** The last error message, when a run failed. */
  failedReason: string | undefined;
};

/** A job as `removeWhere` sees it, to decide whether it must go (e.g. it names an erased person). */
export type StoredJob = { id: string; name: string; data: JobData };

/** How long finished jobs are kept: at most `count` of each kind and state, none older than `ageSeconds`. */
export type Retention = {
  completed: { ageSeconds: number; count: number };
  failed: { ageSeconds: number; count: number };
};

/** One hour / 1000 completed jobs, one day / 5000 failed jobs, per kind. */
export const DEFAULT_RETENTION: Retention = Object.freeze({
  completed: { ageSeconds: 3600, count: 1000 },
  failed: { ageSeconds: 24 * 3600, count: 5000 },
});

export const DEFAULT_KIND_OPTIONS: Required<KindOptions> = Object.freeze({ concurrency: 1, attempts: 5, backoffMs: 1000 });

export type JobQueue = {
  readonly kind: 'in-process' | 'bullmq';
  /**
   * Declares a job kind. Producers register too (enqueue needs the kind's retry options and refuses
   * unknown kinds); only a consumer calls `start`. Throws before `start` only.
   */
  register<D extends JobData>(name: string, handler: JobHandler<D>, options?: KindOptions): void;
  /** The registered kind names, in registration order. */
  kinds(): string[];
  /** Stores a job; `{ id }` is the given id or a new UUID. Throws `InvalidInputError` `unknown_job`. */
  enqueue(name: string, data: JobData, options?: EnqueueOptions): Promise<{ id: string }>;
  /** Begins consuming every registered kind. */
  start(): Promise<void>;
  /** The job of that kind and id, while it is pending, running or retained. */
  get(name: string, id: string): Promise<JobRecord | undefined>;
  /** Removes the jobs with this id in every kind unless running; true when one was removed. */
  remove(id: string): Promise<boolean>;
  /** Removes every job (pending or retained, not running) the predicate selects; returns how many. */
  removeWhere(predicate: (job: StoredJob) => boolean): Promise<number>;
  /** Stops taking jobs, waits for the running ones to finish, and closes connections. Idempotent. */
  close(): Promise<void>;
};

/** The wait after the `failures`-th failed run (1-based), as BullMQ's exponential strategy computes it. */
export const backoffDelay = (baseMs: number, failures: number): number => Math.round(baseMs * 2 ** (failures - 1));
