/**
 * The peer: Emmett's SQLite event store (`@event-driven-io/emmett-sqlite`, on node-sqlite3), put
 * through the same workload as ours. Its `appendToStream` shares one connection between concurrent
 * calls and closes it when each call ends, so more than one writer fails; we measure what works and
 * record where and how the rest fails.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { STREAM_DOES_NOT_EXIST, type ExpectedStreamVersion } from '@event-driven-io/emmett';
import { getSQLiteEventStore, type SQLiteEventStore } from '@event-driven-io/emmett-sqlite';
import { measureConcurrent, withConsoleLogMuted, withTempDir, type ConcurrentRun } from './lib.js';
import { BUDGET, DATA, EVENT_TYPE, METADATA, STREAMS_FOR_ONE_WRITER, benchStream } from './store-workload.js';

export type PeerRun = ConcurrentRun & {
  /** Lines emmett wrote to console.log while the run was muted (it logs every failed transaction). */
  mutedLogLines: number;
  /** Rows in emt_messages afterwards, read with a separate connection: what actually got committed. */
  rowsInFile: number | string;
};

const peerEvent = () => ({ type: EVENT_TYPE, data: DATA, metadata: METADATA });

/** One writer, round-robin over a few streams, no concurrency check (as ours with `any`). */
const anyRevisionWriter = (store: SQLiteEventStore) => (): (() => Promise<number>) => {
  const streams = Array.from({ length: STREAMS_FOR_ONE_WRITER }, benchStream);
  let n = 0;
  return async () => {
    await store.appendToStream(streams[n++ % streams.length]!, [peerEvent()]);
    return 1;
  };
};

/** Writer w: one stream of its own, each append at the exact version the previous one answered. */
const exactVersionWriter = (store: SQLiteEventStore) => (): (() => Promise<number>) => {
  const stream = benchStream();
  let expected: ExpectedStreamVersion = STREAM_DOES_NOT_EXIST;
  return async () => {
    const result = await store.appendToStream(stream, [peerEvent()], { expectedStreamVersion: expected });
    expected = result.nextExpectedStreamVersion;
    return 1;
  };
};

const countRows = (file: string): number | string => {
  try {
    const db = new Database(file, { readonly: true });
    try {
      return Number(db.prepare('SELECT count(*) FROM emt_messages').pluck().get());
    } finally {
      db.close();
    }
  } catch (error) {
    return `could not count: ${error instanceof Error ? error.message : String(error)}`;
  }
};

/** Emmett with `writers` concurrent writers (1: `any` over a few streams; more: exact versions). */
export const peerRun = (writers: number): Promise<PeerRun> =>
  withTempDir('bench-emmett', async (dir) => {
    const file = join(dir, 'emmett.db');
    const store = getSQLiteEventStore({ fileName: file });
    const makeStep = writers === 1 ? anyRevisionWriter(store) : exactVersionWriter(store);
    const { value: run, mutedLines } = await withConsoleLogMuted(() => measureConcurrent(BUDGET, writers, makeStep));
    return { ...run, mutedLogLines: mutedLines, rowsInFile: countRows(file) };
  });
