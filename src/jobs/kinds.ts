/**
 * What both queue implementations share: the table of registered kinds, the validation of names,
 * ids and options (so both refuse the same input with the same typed errors), and the lifecycle.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ConflictError, InvalidInputError, UnavailableError, type FieldError } from '../errors.js';
import {
  DEFAULT_KIND_OPTIONS,
  type EnqueueOptions,
  type JobData,
  type JobHandler,
  type KindOptions,
} from './port.js';

/** A registered kind with its options resolved. */
export type Kind = { name: string; handler: JobHandler<JobData> } & Required<KindOptions>;

export type Phase = 'open' | 'started' | 'closing' | 'closed';

export type Kinds = {
  /** Validates and records a kind; only while the queue is neither started nor closed. */
  add(name: string, handler: JobHandler<JobData>, options?: KindOptions): Kind;
  /** The kind of that name; `InvalidInputError` `unknown_job` otherwise. */
  get(name: string): Kind;
  names(): string[];
  phase(): Phase;
  /** Moves to the next phase; returns false when the queue was already there or beyond. */
  advance(to: Phase): boolean;
  /** Throws `UnavailableError` `job_queue_closed` once closing has begun. */
  assertOpen(): void;
};

// Kind names become BullMQ queue names (no `:`); ids become BullMQ job ids (no `:`, not an integer).
const KIND_NAME = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;
const JOB_ID = /^[A-Za-z0-9._-]{1,128}$/;
const ORDER: readonly Phase[] = ['open', 'started', 'closing', 'closed'];

const integerAtLeast = (errors: FieldError[], pointer: string, value: number | undefined, min: number): void => {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < min)) {
    errors.push({ pointer, message: `must be an integer of at least ${min}` });
  }
};

const checkKind = (name: string, options: KindOptions): void => {
  const errors: FieldError[] = [];
  if (!KIND_NAME.test(name) || name.length > 64) {
    errors.push({ pointer: '/name', message: 'must be a dotted lowercase name of at most 64 characters' });
  }
  integerAtLeast(errors, '/concurrency', options.concurrency, 1);
  integerAtLeast(errors, '/attempts', options.attempts, 1);
  integerAtLeast(errors, '/backoffMs', options.backoffMs, 0);
  if (errors.length > 0) throw new InvalidInputError('invalid_job_kind', `Invalid job kind ${JSON.stringify(name)}`, errors);
};

/** Validates enqueue options; returns the job id to use (the given one, or a new UUID). */
export const resolveEnqueue = (options: EnqueueOptions): { id: string; delayMs: number } => {
  const errors: FieldError[] = [];
  const { id = randomUUID(), delayMs = 0 } = options;
  if (!JOB_ID.test(id) || /^\d+$/.test(id)) {
    errors.push({ pointer: '/id', message: 'must be 1 to 128 letters, digits, ".", "_" or "-", not only digits' });
  }
  integerAtLeast(errors, '/delayMs', delayMs, 0);
  if (errors.length > 0) throw new InvalidInputError('invalid_job_options', 'Invalid job options', errors);
  return { id, delayMs };
};

type State = { table: Map<string, Kind>; phase: Phase };

const addKind = (state: State, name: string, handler: JobHandler<JobData>, options: KindOptions = {}): Kind => {
  if (state.phase !== 'open') throw new ConflictError('job_queue_started', 'Job kinds must be registered before the queue starts');
  checkKind(name, options);
  if (state.table.has(name)) throw new ConflictError('job_kind_registered', `Job kind ${name} is already registered`);
  const kind: Kind = { ...DEFAULT_KIND_OPTIONS, ...definedOnly(options), name, handler };
  state.table.set(name, kind);
  return kind;
};

const getKind = (state: State, name: string): Kind => {
  const kind = state.table.get(name);
  if (kind) return kind;
  throw new InvalidInputError('unknown_job', `Unknown job kind ${JSON.stringify(name)}`, [
    { pointer: '/name', message: 'is not a registered job kind' },
  ]);
};

export const createKinds = (): Kinds => {
  const state: State = { table: new Map(), phase: 'open' };
  const advance = (to: Phase): boolean => {
    if (ORDER.indexOf(to) <= ORDER.indexOf(state.phase)) return false;
    state.phase = to;
    return true;
  };
  const assertOpen = (): void => {
    if (state.phase !== 'closing' && state.phase !== 'closed') return;
    throw new UnavailableError('job_queue_closed', 'The job queue is closed');
  };
  return {
    add: (name, handler, options) => addKind(state, name, handler, options),
    get: (name) => getKind(state, name),
    names: () => [...state.table.keys()],
    phase: () => state.phase,
    advance,
    assertOpen,
  };
};

const definedOnly = (options: KindOptions): KindOptions =>
  Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));

/** What a failed run tells the log: kind, id, attempt and the error message, never the job data. */
export type FailedRun = { kind: string; jobId: string; attemptsMade: number; final: boolean; reason: string };

export const logFailedRun = (logger: Logger, run: FailedRun): void => {
  const fields = { kind: run.kind, jobId: run.jobId, attemptsMade: run.attemptsMade, reason: run.reason };
  if (run.final) logger.error(fields, 'job failed after its last attempt');
  else logger.warn(fields, 'job attempt failed; it will be retried');
};

/** The message of anything thrown. */
export const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
