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
import { assertStreamName } from './stream-name.js';
import { prepareAppend } from './validate.js';

export { EVENTS_SCHEMA, openEventsDatabase } from './sqlite-db.js';

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

  const readAll = async ({ after = 0n, maxCount = 1000 }: ReadAllOptions = {}): Promise<RecordedEvent[]> =>
    (statements.readAll.all(after, clampCount(maxCount)) as Row[]).map(toRecorded);

  const store: EventStore = {
    kind: 'sqlite',
    append: async (stream, events, options = {}) => {
      if (closed) throw new EventStoreUnavailableError('The event store is closed');
      const { expected, serialized } = prepareAppend(stream, events, options.expectedRevision);
      const wire = serialized.map(({ event: { id, type, schemaVersion }, data, metadata }) => ({ id, type, schemaVersion, data, metadata }));
      return writer.enqueue({ stream, expected, events: wire });
    },
    readStream: async (stream, options = {}) => readStream(statements, stream, options),
    readAll,
    subscribeToAll: (options = {}) =>
      catchUpSubscription(
        { readAll, onCommit: (listener) => (listeners.add(listener), () => listeners.delete(listener)) },
        options,
      ),
    headPosition: async () => BigInt((statements.head.get() as number | null) ?? 0),
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
  forwards: db.prepare('SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT +?'),
  backwards: db.prepare('SELECT * FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT +?'),
  readAll: db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT +?'),
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
