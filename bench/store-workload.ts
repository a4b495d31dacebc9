/**
 * The store suite's workloads against raw better-sqlite3 and our SQLite event store. Every
 * measurement opens a fresh database in its own temporary directory and writes the same payload.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { EventStore, ExpectedRevision, NewEvent } from '../src/events/log/port.js';
import { EVENTS_SCHEMA, openEventsDatabase, openSqliteEventStore } from '../src/events/log/sqlite.js';
import { streamName } from '../src/events/log/stream-name.js';
import { measureConcurrent, measureSync, rate, withTempDir, type Budget, type ConcurrentRun, type Rate } from './lib.js';

export const BUDGET: Budget = { warmupMs: 500, durationMs: 3_000, maxOps: 1_000_000 };
export const WRITERS = 64;
/** The single-writer runs spread their events over a few streams, with no revision check. */
export const STREAMS_FOR_ONE_WRITER = 8;
export const READ_PAGE = 1_000;
export const RAW_BATCH = 100;

// One payload for every system: data ~200 bytes, metadata ~150 bytes of JSON.
const SAMPLE_ID = '0190f3c2-7b1e-7c3a-9d2e-5f6a7b8c9d0e';
export const EVENT_TYPE = 'ContactCreated';
export const DATA = {
  contactId: SAMPLE_ID,
  name: 'Ada Lovelace',
  email: 'ada.lovelace@example.com',
  phone: '+44 20 7946 0958',
  company: 'Analytical Engines Ltd',
  tags: ['lead', 'newsletter'],
  score: 42,
};
export const METADATA = { tenantId: 'bench', correlationId: SAMPLE_ID, causationId: SAMPLE_ID, userId: 'user-000042' };
const DATA_JSON = JSON.stringify(DATA);
const METADATA_JSON = JSON.stringify(METADATA);
export const PAYLOAD_BYTES = { data: Buffer.byteLength(DATA_JSON), metadata: Buffer.byteLength(METADATA_JSON) };

export const newEvent = (): NewEvent => ({ id: randomUUID(), type: EVENT_TYPE, schemaVersion: 1, data: DATA, metadata: METADATA });

export const benchStream = (): string => streamName('bench', 'sales.contact', randomUUID());

const INSERT = `INSERT INTO events (id, stream, revision, type, schema_version, data, metadata, recorded_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

/** Inserts one events row, round-robin over a few streams, with the payload serialized once. */
const rowInserter = (db: Database.Database): (() => void) => {
  const insert = db.prepare(INSERT);
  const streams = Array.from({ length: STREAMS_FOR_ONE_WRITER }, benchStream);
  const revisions = streams.map(() => 0);
  let n = 0;
  return () => {
    const s = n++ % streams.length;
    const revision = revisions[s]!++;
    insert.run(randomUUID(), streams[s], revision, EVENT_TYPE, 1, DATA_JSON, METADATA_JSON, new Date().toISOString());
  };
};

/** Raw better-sqlite3, our pragmas: `rowsPerTransaction` INSERTs per BEGIN IMMEDIATE … COMMIT. */
export const rawInserts = (rowsPerTransaction: number, budget: Budget = BUDGET): Promise<Rate> =>
  withTempDir('bench-raw', async (dir) => {
    const db = openEventsDatabase(join(dir, 'events.db'));
    try {
      db.exec(EVENTS_SCHEMA);
      const begin = db.prepare('BEGIN IMMEDIATE');
      const commit = db.prepare('COMMIT');
      const insertRow = rowInserter(db);
      return measureSync(budget, () => {
        begin.run();
        for (let i = 0; i < rowsPerTransaction; i++) insertRow();
        commit.run();
        return rowsPerTransaction;
      });
    } finally {
      db.close();
    }
  });

/** Writer w: one stream of its own, each append at the exact revision the previous one answered. */
const exactRevisionWriter = (store: EventStore) => (): (() => Promise<number>) => {
  const stream = benchStream();
  let expected: ExpectedRevision = 'no_stream';
  return async () => {
    const result = await store.append(stream, [newEvent()], { expectedRevision: expected });
    expected = result.nextRevision;
    return 1;
  };
};

/** Our store, one writer: each append of one event awaited, round-robin over a few streams, `any`. */
export const oursOneWriter = (budget: Budget = BUDGET): Promise<ConcurrentRun> =>
  withTempDir('bench-ours-1', async (dir) => {
    const store = openSqliteEventStore(join(dir, 'events.db'));
    try {
      const streams = Array.from({ length: STREAMS_FOR_ONE_WRITER }, benchStream);
      let n = 0;
      const step = async (): Promise<number> => {
        await store.append(streams[n++ % streams.length]!, [newEvent()], { expectedRevision: 'any' });
        return 1;
      };
      return await measureConcurrent(budget, 1, () => step);
    } finally {
      await store.close();
    }
  });

export type ReadAllRun = Rate & { logEvents: number; passes: number };

/** Reads the whole log from the start, in pages; answers how many events it read. */
const readAllPass = async (store: EventStore): Promise<number> => {
  let after = 0n;
  let count = 0;
  for (;;) {
    const page = await store.readAll({ after, maxCount: READ_PAGE });
    count += page.length;
    if (page.length < READ_PAGE) return count;
    after = page[page.length - 1]!.position;
  }
};

/** Whole passes over the log (at least one) until the duration has passed. */
const measureReadAll = async (store: EventStore): Promise<ReadAllRun> => {
  await store.readAll({ maxCount: READ_PAGE });
  let events = 0;
  let passes = 0;
  const start = performance.now();
  while (passes === 0 || performance.now() - start < BUDGET.durationMs) {
    events += await readAllPass(store);
    passes += 1;
  }
  return { ...rate(events, performance.now() - start), logEvents: events / passes, passes };
};

/** Our store, 64 concurrent writers at exact revisions; then readAll over the log they wrote. */
export const oursConcurrentThenReadAll = (): Promise<{ write: ConcurrentRun; readAll: ReadAllRun }> =>
  withTempDir('bench-ours-64', async (dir) => {
    const store = openSqliteEventStore(join(dir, 'events.db'));
    try {
      const write = await measureConcurrent(BUDGET, WRITERS, exactRevisionWriter(store));
      const readAll = await measureReadAll(store);
      return { write, readAll };
    } finally {
      await store.close();
    }
  });
