/**
 * The event-log port. Two implementations (embedded SQLite, EventStoreDB) pass one contract suite
 * (`test/events/log/contract.ts`); nothing above this port knows which one runs.
 *
 * Semantics follow EventStoreDB:
 * - revisions are 0-based per stream; `nextRevision` is the revision of the last event written;
 * - positions are global, unique per event and strictly increasing in `$all` order;
 * - appending events whose ids are already stored in that stream at that place is a no-op success.
 */
import { AppError, ConflictError, InvalidInputError } from '../../errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** `any`: no check; `no_stream`: must not exist; `stream_exists`: must exist; bigint: last revision. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

/** An event to append. `id` is a UUID derived from the command id (so retries cannot duplicate). */
export type NewEvent = {
  id: string;
  type: string;
  schemaVersion: number;
  data: JsonObject;
  metadata: JsonObject;
};

export type RecordedEvent = NewEvent & {
  stream: string;
  revision: bigint;
  position: bigint;
  recordedAt: Date;
};

export type AppendResult = { nextRevision: bigint; position: bigint };

export type ReadStreamOptions = {
  /** First revision to read (inclusive); default: the start (forwards) or the end (backwards). */
  from?: bigint | 'start' | 'end';
  direction?: 'forwards' | 'backwards';
  maxCount?: number;
};

export type ReadAllOptions = {
  /** Read the events whose position is strictly greater than this one; default: from the start. */
  after?: bigint;
  maxCount?: number;
};

/** A live catch-up subscription over `$all`: no gap, no duplicate, in order, until closed. */
export type Subscription = AsyncIterable<RecordedEvent> & { close(): Promise<void> };

export type EventStore = {
  readonly kind: 'sqlite' | 'eventstoredb';
  append(stream: string, events: NewEvent[], options?: { expectedRevision?: ExpectedRevision }): Promise<AppendResult>;
  /** A stream's events; an empty list when the stream does not exist. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options?: { after?: bigint }): Subscription;
  /** The position of the last event in the log (0n when empty). */
  headPosition(): Promise<bigint>;
  /** Resolves when the store answers; used by readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
};

/** Upper bound for one event (data + metadata, serialized) and for one append: EventStoreDB's default. */
export const MAX_APPEND_BYTES = 1_048_576;
export const MAX_EVENTS_PER_APPEND = 1_000;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export type ActualRevision = 'no_stream' | bigint;

/** The stream is not at the expected revision. Carries both, as EventStoreDB does. */
export class WrongExpectedVersion extends ConflictError {
  readonly stream: string;
  readonly expected: ExpectedRevision;
  readonly actual: ActualRevision;

  constructor(stream: string, expected: ExpectedRevision, actual: ActualRevision) {
    super('wrong_expected_version', `Stream ${stream} is at ${String(actual)}, expected ${String(expected)}`, {
      expected: String(expected),
      actual: String(actual),
    });
    this.stream = stream;
    this.expected = expected;
    this.actual = actual;
  }
}

/** An append the store refuses before writing anything (bad name, no events, too large…). */
export class InvalidAppendError extends InvalidInputError {}

/** The embedded store keeps event ids unique across the whole log. */
export class DuplicateEventIdError extends ConflictError {
  constructor(id: string) {
    super('duplicate_event_id', `Event id ${id} is already stored in another stream or place`, { eventId: id });
  }
}

/** The store could not be reached or failed; nothing is acknowledged. */
export class EventStoreUnavailableError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('event_store_unavailable', 503, message, { cause });
  }
}
