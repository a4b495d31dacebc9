/**
 * The tamper-evidence chain over the event log (design §5), kept in `DATA_DIR/audit.db`, apart
 * from the log so it works the same over both stores without touching their adapters.
 *
 * Link n: `hash = SHA-256(hash of link n-1 || canonical bytes of event n as stored)`, the first
 * link chained to 32 zero bytes. The bytes are the event as the log holds it: id, stream,
 * revision, type, schemaVersion, data and metadata (ciphertext of personal fields, so erasure,
 * which only destroys keys, leaves the chain valid), position and recordedAt. Data and metadata
 * are canonical JSON (keys sorted): a changed value breaks the link, a re-serialisation does not.
 *
 * Links are only ever appended: sealing reads the tail inside the write transaction and skips
 * positions already sealed, so two sealers (the API and `audit verify --seal`) never re-derive or
 * overwrite a link.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { canonicalJson } from '../log/canonical-json.js';
import type { RecordedEvent } from '../log/port.js';
import { ensurePrivateFile } from '../../private-file.js';

/** The file name of the chain inside `DATA_DIR`. */
export const AUDIT_DB_FILE = 'audit.db';

/** What link 1 is chained to. */
export const GENESIS_HASH = Buffer.alloc(32);

/** One sealed event: its place in the log, what it was, and the running hash. */
export type Link = { position: bigint; eventId: string; stream: string; hash: Buffer };

/** The chain's table in audit.db. */
export type ChainDb = {
  /** The last link, or undefined before the first event is sealed. */
  tail: () => Link | undefined;
  /** Seals the events beyond the tail, in order; answers how many links were added. */
  seal: (events: readonly RecordedEvent[]) => number;
  /** Up to `limit` links after `position`, in order. */
  linksAfter: (position: bigint, limit: number) => Link[];
  close: () => void;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS chain (
  position  INTEGER PRIMARY KEY,
  event_id  TEXT    NOT NULL,
  stream    TEXT    NOT NULL,
  hash      BLOB    NOT NULL,
  sealed_at TEXT    NOT NULL
);`;

type LinkRow = { position: bigint; event_id: string; stream: string; hash: Buffer };

const linkOf = (row: LinkRow): Link => ({ position: row.position, eventId: row.event_id, stream: row.stream, hash: row.hash });

/** An invalid date (a tampered `recorded_at`) still hashes, as text no valid date produces. */
const isoOf = (date: Date): string => (Number.isNaN(date.getTime()) ? 'invalid date' : date.toISOString());

/** The canonical bytes of an event as stored. */
export const eventBytes = (e: RecordedEvent): Buffer =>
  Buffer.from(
    canonicalJson([
      e.id, e.stream, String(e.revision), e.type, e.schemaVersion, e.data, e.metadata, String(e.position), isoOf(e.recordedAt),
    ]),
  );

/** The hash of the link that seals `event` after a link whose hash is `previous`. */
export const linkHash = (previous: Buffer, event: RecordedEvent): Buffer =>
  createHash('sha256').update(previous).update(eventBytes(event)).digest();

const openDatabase = (file: string): Database.Database => {
  const db = new Database(ensurePrivateFile(file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  db.defaultSafeIntegers(true);
  return db;
};

const COLUMNS = 'position, event_id, stream, hash';

const statementsOf = (db: Database.Database) => ({
  last: db.prepare(`SELECT ${COLUMNS} FROM chain ORDER BY position DESC LIMIT 1`),
  after: db.prepare(`SELECT ${COLUMNS} FROM chain WHERE position > ? ORDER BY position LIMIT ?`),
  insert: db.prepare('INSERT INTO chain (position, event_id, stream, hash, sealed_at) VALUES (?, ?, ?, ?, ?)'),
});

/** Links for the events beyond `start`, chained from it, written in the caller's transaction. */
const sealBeyond = (s: ReturnType<typeof statementsOf>, start: Link | undefined, events: readonly RecordedEvent[]): number => {
  let previous = start?.hash ?? GENESIS_HASH;
  const fresh = events.filter((e) => e.position > (start?.position ?? 0n));
  const now = new Date().toISOString();
  for (const event of fresh) {
    previous = linkHash(previous, event);
    s.insert.run(event.position, event.id, event.stream, previous, now);
  }
  return fresh.length;
};

/**
 * Opens (creating when absent) the chain at `file`. `synchronous=NORMAL`: a power cut may lose the
 * last links written, which the sealer then seals again from the log; it never loses older ones.
 */
export const openChainDb = (file: string): ChainDb => {
  const db = openDatabase(file);
  const s = statementsOf(db);
  const tail = (): Link | undefined => {
    const row = s.last.get() as LinkRow | undefined;
    return row && linkOf(row);
  };
  const seal = db.transaction((events: readonly RecordedEvent[]): number => sealBeyond(s, tail(), events));
  return {
    tail,
    seal: (events) => (events.length === 0 ? 0 : seal.immediate(events)),
    linksAfter: (position, limit) => (s.after.all(position, limit) as LinkRow[]).map(linkOf),
    close: () => {
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
};
