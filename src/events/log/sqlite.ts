/**
 * The embedded event store: one SQLite file (`DATA_DIR/events.db`), WAL, `synchronous=FULL`.
 *
 * Group commit (`sqlite-writer.ts`): `append` validates and serializes at once, then queues. One
 * flush per turn of the event loop writes every queued append in a single `BEGIN IMMEDIATE`
 * transaction (one fsync), each append inside its own savepoint so a conflict fails only that
 * append; a batch is written by a thread of its own, so this thread is not blocked meanwhile.
 * A promise resolves only after the transaction holding its events has committed. Reads use this
 * thread's connection and see every committed transaction.
 */
import type Database from 'better-sqlite3';
import { catchUpSubscription } from './catch-up.js';
import {
  EventStoreUnavailableError,
  type EventStore,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
} from './port.js';
import { EVENTS_SCHEMA, openEventsDatabase } from './sqlite-db.js';
import { createWriter } from './sqlite-writer.js';
import { othersVersion } from '../../sqlite-memo.js';
import { assertStreamName } from './stream-name.js';
import { prepareAppend } from './validate.js';

export { EVENTS_SCHEMA, openEventsDatabase } from './sqlite-db.js';

/** The columns reads select, in this order; rows come back as arrays (half the cost of objects with named keys). */
const COLUMNS = 'position, id, stream, revision, type, schema_version, data, metadata, recorded_at';
type Row = [position: number, id: string, stream: string, revision: number, type: string, schemaVersion: number, data: string, metadata: string, recordedAt: string];

const toRecorded = ([position, id, stream, revision, type, schemaVersion, data, metadata, recordedAt]: Row): RecordedEvent => ({
  id,
  type,
  schemaVersion,
  data: JSON.parse(data),
  metadata: JSON.parse(metadata),
  stream,
  revision: BigInt(revision),
  position: BigInt(position),
  recordedAt: new Date(recordedAt),
});

export const openSqliteEventStore = (file: string): EventStore => {
  const db = openEventsDatabase(file);
  db.exec(EVENTS_SCHEMA);
  const statements = prepareStatements(db);
  const writer = createWriter(db, file);
  const listeners = new Set<() => void>();
  let closed = false;

  const notify = (): void => {
    for (const listener of listeners) listener();
  };

  // The head without a query per call (every read-model answer asks it): this store's appends raise
  // it before they are acknowledged; commits of other connections (the writer thread, another
  // process) move `data_version`, read once per loop turn, and the head is read again.
  let ownHead = 0n;
  let lastRead = { version: -1, head: 0n };
  const headPosition = async (): Promise<bigint> => {
    const version = othersVersion(db);
    if (version !== lastRead.version) lastRead = { version, head: BigInt((statements.head.get() as number | null) ?? 0) };
    return lastRead.head > ownHead ? lastRead.head : ownHead;
  };

  const readAll = async ({ after = 0n, maxCount = 1000 }: ReadAllOptions = {}): Promise<RecordedEvent[]> =>
    (statements.readAll.all(after, clampCount(maxCount)) as Row[]).map(toRecorded);

  const store: EventStore = {
    kind: 'sqlite',
    append: async (stream, events, options = {}) => {
      if (closed) throw new EventStoreUnavailableError('The event store is closed');
      const { expected, serialized } = prepareAppend(stream, events, options.expectedRevision);
      const wire = serialized.map(({ event: { id, type, schemaVersion }, data, metadata }) => ({ id, type, schemaVersion, data, metadata }));
      const result = await writer.enqueue({ stream, expected, events: wire });
      if (result.position > ownHead) ownHead = result.position;
      return result;
    },
    readStream: async (stream, options = {}) => readStream(statements, stream, options),
    readAll,
    subscribeToAll: (options = {}) =>
      catchUpSubscription(
        { readAll, onCommit: (listener) => (listeners.add(listener), () => listeners.delete(listener)) },
        options,
      ),
    headPosition,
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

// `LIMIT +?`, not `LIMIT ?`: with a bare parameter as the limit SQLite plans the statement afresh
// at every run (about 10 µs, more than the lookup itself).
const prepareStatements = (db: Database.Database) => ({
  forwards: db.prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT +?`).raw(),
  backwards: db.prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT +?`).raw(),
  readAll: db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT +?`).raw(),
  head: db.prepare('SELECT max(position) FROM events').pluck(),
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
