/**
 * The embedded event store: one SQLite file (`DATA_DIR/events.db`), WAL, `synchronous=FULL`.
 *
 * Group commit: `append` validates and serializes at once, then queues. One flush per turn of
 * the event loop writes every queued append in a single `BEGIN IMMEDIATE` transaction (one fsync),
 * each append inside its own savepoint so a conflict fails only that append. A promise resolves
 * only after the transaction holding its events has committed.
 */
import Database from 'better-sqlite3';
import { catchUpSubscription } from './catch-up.js';
import {
  DuplicateEventIdError,
  EventStoreUnavailableError,
  WrongExpectedVersion,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
} from './port.js';
import { assertStreamName } from './stream-name.js';
import { prepareAppend, type SerializedEvent } from './validate.js';

/** The events table; the benchmark's raw baseline creates the same one. */
export const EVENTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position       INTEGER PRIMARY KEY AUTOINCREMENT,
  id             TEXT    NOT NULL UNIQUE,
  stream         TEXT    NOT NULL,
  revision       INTEGER NOT NULL,
  type           TEXT    NOT NULL,
  schema_version INTEGER NOT NULL,
  data           TEXT    NOT NULL,
  metadata       TEXT    NOT NULL,
  recorded_at    TEXT    NOT NULL,
  UNIQUE (stream, revision)
);`;

type Row = {
  position: number;
  id: string;
  stream: string;
  revision: number;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
  recorded_at: string;
};

type Pending = {
  stream: string;
  expected: ExpectedRevision;
  events: SerializedEvent[];
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
};

const toRecorded = (row: Row): RecordedEvent => ({
  id: row.id,
  type: row.type,
  schemaVersion: row.schema_version,
  data: JSON.parse(row.data),
  metadata: JSON.parse(row.metadata),
  stream: row.stream,
  revision: BigInt(row.revision),
  position: BigInt(row.position),
  recordedAt: new Date(row.recorded_at),
});

/** Opens the pragmas every connection to events.db uses (the benchmark baseline uses them too). */
export const openEventsDatabase = (file: string, options: { readonly?: boolean } = {}): Database.Database => {
  const db = new Database(file, { readonly: options.readonly ?? false });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  return db;
};

export const openSqliteEventStore = (file: string): EventStore => {
  const db = openEventsDatabase(file);
  db.exec(EVENTS_SCHEMA);
  const statements = prepareStatements(db);
  const writer = createWriter(db, statements);
  const listeners = new Set<() => void>();
  let closed = false;

  const notify = (): void => {
    for (const listener of listeners) listener();
  };

  const readAll = async ({ after = 0n, maxCount = 1000 }: ReadAllOptions = {}): Promise<RecordedEvent[]> =>
    (statements.readAll.all(after, clampCount(maxCount)) as Row[]).map(toRecorded);

  const store: EventStore = {
    kind: 'sqlite',
    append: async (stream, events, options = {}) => {
      if (closed) throw new EventStoreUnavailableError('The event store is closed');
      const { expected, serialized } = prepareAppend(stream, events, options.expectedRevision);
      const result = await writer.enqueue(stream, expected, serialized);
      return result;
    },
    readStream: async (stream, options = {}) => readStream(statements, stream, options),
    readAll,
    subscribeToAll: (options = {}) =>
      catchUpSubscription(
        { readAll, onCommit: (listener) => (listeners.add(listener), () => listeners.delete(listener)) },
        options,
      ),
    headPosition: async () => BigInt((statements.head.get() as { p: number | null }).p ?? 0),
    ping: async () => {
      statements.head.get();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await writer.drain();
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
  writer.afterCommit(notify);
  return store;
};

const clampCount = (maxCount: number): number => Math.max(0, Math.min(Math.trunc(maxCount), 100_000));

const prepareStatements = (db: Database.Database) => ({
  streamHead: db.prepare('SELECT max(revision) AS r FROM events WHERE stream = ?').pluck(),
  byId: db.prepare('SELECT stream, revision, position FROM events WHERE id = ?'),
  idsFrom: db.prepare('SELECT id, position FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?'),
  insert: db.prepare(
    `INSERT INTO events (id, stream, revision, type, schema_version, data, metadata, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ),
  forwards: db.prepare('SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?'),
  backwards: db.prepare('SELECT * FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?'),
  readAll: db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
  head: db.prepare('SELECT max(position) AS p FROM events'),
});

type Statements = ReturnType<typeof prepareStatements>;

const readStream = (s: Statements, stream: string, options: ReadStreamOptions): RecordedEvent[] => {
  assertStreamName(stream);
  const backwards = options.direction === 'backwards';
  const limit = clampCount(options.maxCount ?? 100_000);
  const from = options.from ?? (backwards ? 'end' : 'start');
  const revision = from === 'start' ? 0 : from === 'end' ? Number.MAX_SAFE_INTEGER : Number(from);
  const rows = (backwards ? s.backwards : s.forwards).all(stream, revision, limit) as Row[];
  return rows.map(toRecorded);
};

// ---------------------------------------------------------------------------------------------
// The writer: group commit
// ---------------------------------------------------------------------------------------------

const createWriter = (db: Database.Database, s: Statements) => {
  let queue: Pending[] = [];
  let scheduled = false;
  let drained: Promise<void> = Promise.resolve();
  const commitListeners: Array<() => void> = [];

  const appendOne = db.transaction((p: Pending, now: string): AppendResult => writeAppend(s, p, now));
  const writeBatch = db.transaction((batch: Pending[], now: string) =>
    batch.map((p) => {
      try {
        return { ok: true as const, result: appendOne(p, now) };
      } catch (error) {
        return { ok: false as const, error };
      }
    }),
  );

  // 1. take everything queued; 2. write it in one IMMEDIATE transaction; 3. only then settle.
  const flush = (): void => {
    scheduled = false;
    const batch = queue;
    queue = [];
    let outcomes;
    try {
      outcomes = writeBatch.immediate(batch, new Date().toISOString());
    } catch (error) {
      const failure = new EventStoreUnavailableError('The event store could not commit', error);
      for (const p of batch) p.reject(failure);
      return;
    }
    outcomes.forEach((o, i) => (o.ok ? batch[i]!.resolve(o.result) : batch[i]!.reject(o.error)));
    for (const listener of commitListeners) listener();
  };

  return {
    enqueue: (stream: string, expected: ExpectedRevision, events: SerializedEvent[]): Promise<AppendResult> => {
      const result = new Promise<AppendResult>((resolve, reject) => {
        queue.push({ stream, expected, events, resolve, reject });
      });
      if (!scheduled) {
        scheduled = true;
        drained = new Promise((resolve) => setImmediate(() => (flush(), resolve())));
      }
      return result;
    },
    drain: () => drained,
    afterCommit: (listener: () => void) => void commitListeners.push(listener),
  };
};

/** Writes one append (inside its savepoint), or finds it already written (idempotent retry). */
const writeAppend = (s: Statements, p: Pending, now: string): AppendResult => {
  const head = s.streamHead.get(p.stream) as number | null;
  const actual = head === null ? ('no_stream' as const) : BigInt(head);
  const first = p.events[0]!.event;
  const existing = s.byId.get(first.id) as { stream: string; revision: number; position: number } | undefined;
  if (existing) return alreadyWritten(s, p, existing, actual);
  checkExpected(p.stream, p.expected, actual);
  let revision = head === null ? 0 : head + 1;
  let position = 0n;
  for (const { event, data, metadata } of p.events) {
    try {
      const info = s.insert.run(event.id, p.stream, revision, event.type, event.schemaVersion, data, metadata, now);
      position = BigInt(info.lastInsertRowid);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new DuplicateEventIdError(event.id);
      throw error;
    }
    revision += 1;
  }
  return { nextRevision: BigInt(revision - 1), position };
};

const checkExpected = (stream: string, expected: ExpectedRevision, actual: 'no_stream' | bigint): void => {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && actual === 'no_stream') ||
    (expected === 'stream_exists' && actual !== 'no_stream') ||
    (typeof expected === 'bigint' && actual === expected);
  if (!ok) throw new WrongExpectedVersion(stream, expected, actual);
};

/**
 * EventStoreDB's idempotency: the same ids, in the same order, at the place the expected revision
 * names (anywhere in the stream for `any`/`stream_exists`) is the earlier write: answer it again.
 */
const alreadyWritten = (
  s: Statements,
  p: Pending,
  existing: { stream: string; revision: number; position: number },
  actual: 'no_stream' | bigint,
): AppendResult => {
  if (existing.stream !== p.stream) throw new DuplicateEventIdError(p.events[0]!.event.id);
  const stored = s.idsFrom.all(p.stream, existing.revision, p.events.length) as Array<{ id: string; position: number }>;
  const sameIds = stored.length === p.events.length && stored.every((row, i) => row.id === p.events[i]!.event.id);
  const placeMatches =
    p.expected === 'any' ||
    p.expected === 'stream_exists' ||
    (p.expected === 'no_stream' && existing.revision === 0) ||
    (typeof p.expected === 'bigint' && BigInt(existing.revision) === p.expected + 1n);
  if (!sameIds || !placeMatches) throw new WrongExpectedVersion(p.stream, p.expected, actual);
  return {
    nextRevision: BigInt(existing.revision + p.events.length - 1),
    position: BigInt(stored[stored.length - 1]!.position),
  };
};
