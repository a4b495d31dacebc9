/**
 * One group-commit transaction of the SQLite store, as both of its writers run it: the main
 * thread (a lone append) and the writer thread (`sqlite-writer-thread.ts`, everything else). Each
 * append runs in its own savepoint, so a conflict fails only that append. Outcomes cross the
 * thread boundary as plain data (`WireOutcome`) and become the port's typed errors again.
 */
import type Database from 'better-sqlite3';
import {
  DuplicateEventIdError,
  EventStoreUnavailableError,
  WrongExpectedVersion,
  type ActualRevision,
  type AppendResult,
  type ExpectedRevision,
} from './port.js';

/** An event validated and serialized by `prepareAppend`, as the writers store it. */
export type WireEvent = { id: string; type: string; schemaVersion: number; data: string; metadata: string };

/** One append: its stream, its expected revision and its events. */
export type WireAppend = { stream: string; expected: ExpectedRevision; events: WireEvent[] };

export type Outcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

type WireError =
  | { kind: 'wrong_expected_version'; stream: string; expected: ExpectedRevision; actual: ActualRevision }
  | { kind: 'duplicate_event_id'; id: string }
  | { kind: 'failed'; message: string; code: string | undefined };

export type WireOutcome = { ok: true; result: AppendResult } | { ok: false; error: WireError };

/** A whole batch: one outcome per append, or the transaction itself failed (nothing written). */
export type WireBatchResult = { outcomes: WireOutcome[] } | { failed: string };

type Existing = { stream: string; revision: number; position: number };

const prepareWriteStatements = (db: Database.Database) => ({
  streamHead: db.prepare('SELECT max(revision) AS r FROM events WHERE stream = ?').pluck(),
  byId: db.prepare('SELECT stream, revision, position FROM events WHERE id = ?'),
  idsFrom: db.prepare('SELECT id, position FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT +?'),
  insert: db.prepare(
    `INSERT INTO events (id, stream, revision, type, schema_version, data, metadata, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ),
});

type Statements = ReturnType<typeof prepareWriteStatements>;

/** The batch writer of one connection: runs a batch in one `BEGIN IMMEDIATE` transaction (one fsync). */
export const batchWriter = (db: Database.Database): ((batch: WireAppend[], now: string) => Outcome[]) => {
  const s = prepareWriteStatements(db);
  const appendOne = db.transaction((p: WireAppend, now: string): AppendResult => writeAppend(s, p, now));
  const writeBatch = db.transaction((batch: WireAppend[], now: string) =>
    batch.map((p): Outcome => {
      try {
        return { ok: true, result: appendOne(p, now) };
      } catch (error) {
        return { ok: false, error };
      }
    }),
  );
  // A lone append needs no savepoint: run at the top level, `appendOne` is the transaction itself,
  // and its refusal rolls back nothing else. Any other error fails the batch, as a failed transaction does.
  return (batch, now) => {
    if (batch.length !== 1) return writeBatch.immediate(batch, now);
    try {
      return [{ ok: true, result: appendOne.immediate(batch[0]!, now) }];
    } catch (error) {
      if (error instanceof WrongExpectedVersion || error instanceof DuplicateEventIdError) return [{ ok: false, error }];
      throw error;
    }
  };
};

/** Writes one append (inside its savepoint), or finds it already written (idempotent retry). */
const writeAppend = (s: Statements, p: WireAppend, now: string): AppendResult => {
  const head = s.streamHead.get(p.stream) as number | null;
  const actual = head === null ? ('no_stream' as const) : BigInt(head);
  const existing = s.byId.get(p.events[0]!.id) as Existing | undefined;
  if (existing) return alreadyWritten(s, p, existing, actual);
  checkExpected(p.stream, p.expected, actual);
  let revision = head === null ? 0 : head + 1;
  let position = 0n;
  for (const event of p.events) {
    try {
      const info = s.insert.run(event.id, p.stream, revision, event.type, event.schemaVersion, event.data, event.metadata, now);
      position = BigInt(info.lastInsertRowid);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new DuplicateEventIdError(event.id);
      throw error;
    }
    revision += 1;
  }
  return { nextRevision: BigInt(revision - 1), position };
};

const checkExpected = (stream: string, expected: ExpectedRevision, actual: ActualRevision): void => {
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
const alreadyWritten = (s: Statements, p: WireAppend, existing: Existing, actual: ActualRevision): AppendResult => {
  if (existing.stream !== p.stream) throw new DuplicateEventIdError(p.events[0]!.id);
  const stored = s.idsFrom.all(p.stream, existing.revision, p.events.length) as Array<{ id: string; position: number }>;
  const sameIds = stored.length === p.events.length && stored.every((row, i) => row.id === p.events[i]!.id);
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

export const toWire = (outcome: Outcome): WireOutcome => {
  if (outcome.ok) return outcome;
  const error = outcome.error;
  if (error instanceof WrongExpectedVersion) {
    return { ok: false, error: { kind: 'wrong_expected_version', stream: error.stream, expected: error.expected, actual: error.actual } };
  }
  if (error instanceof DuplicateEventIdError) return { ok: false, error: { kind: 'duplicate_event_id', id: String(error.extra.eventId) } };
  const { message, code } = error as { message?: unknown; code?: unknown };
  return { ok: false, error: { kind: 'failed', message: String(message), code: typeof code === 'string' ? code : undefined } };
};

export const fromWire = (outcome: WireOutcome): Outcome => {
  if (outcome.ok) return outcome;
  const e = outcome.error;
  if (e.kind === 'wrong_expected_version') return { ok: false, error: new WrongExpectedVersion(e.stream, e.expected, e.actual) };
  if (e.kind === 'duplicate_event_id') return { ok: false, error: new DuplicateEventIdError(e.id) };
  return { ok: false, error: new EventStoreUnavailableError(`The event store could not write the append: ${e.message}`, e) };
};
