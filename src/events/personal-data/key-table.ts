/**
 * The SQLite side of the key store (`keys.db`): schema, pragmas (WAL, `synchronous=FULL`,
 * `secure_delete=ON`, so deleted key bytes are overwritten), prepared statements, the master-key
 * check, re-wrapping for rotation, and the WAL checkpoint that erasure relies on.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { KEY_BYTES, associatedData, randomSecret, seal, unseal } from './cipher.js';
import { MasterKeyMismatchError } from './errors.js';
import { ensurePrivateFile } from '../../private-file.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS data_keys (
  tenant_id     TEXT NOT NULL,
  subject_id    TEXT NOT NULL,
  wrapped_key   BLOB,
  master_key_id TEXT,
  created_at    TEXT NOT NULL,
  erased_at     TEXT,
  erased_by     TEXT,
  reason        TEXT,
  PRIMARY KEY (tenant_id, subject_id),
  CHECK ((wrapped_key IS NULL) = (erased_at IS NOT NULL)),
  CHECK ((wrapped_key IS NULL) = (master_key_id IS NULL))
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS key_store_meta (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  master_key_id TEXT NOT NULL
);`;

export type KeyRow = { wrapped_key: Buffer | null; master_key_id: string | null; erased_at: string | null };
type Named = { tenant_id: string; subject_id: string; wrapped_key: Buffer };

const ROTATION_PAGE = 500;

/** Opens (creating with mode 0600 if needed) `keys.db` with its pragmas and schema. */
export const openDatabase = (file: string): Database.Database => {
  const db = new Database(ensurePrivateFile(file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('secure_delete = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  return db;
};

export const prepareStatements = (db: Database.Database) => ({
  row: db.prepare('SELECT wrapped_key, master_key_id, erased_at FROM data_keys WHERE tenant_id = ? AND subject_id = ?'),
  insert: db.prepare(
    'INSERT INTO data_keys (tenant_id, subject_id, wrapped_key, master_key_id, created_at) VALUES (?, ?, ?, ?, ?)',
  ),
  tombstone: db.prepare(
    `INSERT INTO data_keys (tenant_id, subject_id, created_at, erased_at, erased_by, reason) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (tenant_id, subject_id) DO UPDATE SET wrapped_key = NULL, master_key_id = NULL,
       erased_at = excluded.erased_at, erased_by = excluded.erased_by, reason = excluded.reason`,
  ),
  livePage: db.prepare(
    `SELECT tenant_id, subject_id, wrapped_key FROM data_keys WHERE wrapped_key IS NOT NULL
     AND (tenant_id, subject_id) > (?, ?) ORDER BY tenant_id, subject_id LIMIT ${ROTATION_PAGE}`,
  ),
  rewrap: db.prepare('UPDATE data_keys SET wrapped_key = ?, master_key_id = ? WHERE tenant_id = ? AND subject_id = ?'),
  liveMasterIds: db.prepare('SELECT DISTINCT master_key_id FROM data_keys WHERE wrapped_key IS NOT NULL').pluck(),
  metaId: db.prepare('SELECT master_key_id FROM key_store_meta WHERE id = 1').pluck(),
  setMetaId: db.prepare(
    `INSERT INTO key_store_meta (id, master_key_id) VALUES (1, ?)
     ON CONFLICT (id) DO UPDATE SET master_key_id = excluded.master_key_id`,
  ),
});

export type Statements = ReturnType<typeof prepareStatements>;

/** The associated data of a wrapped data key: tenant and subject. */
export const wrapAd = (tenant: string, subject: string): Buffer => associatedData(tenant, subject);

/**
 * How a process treats the recorded master key id. `record` (the server): records its own, so a
 * concurrent process still on another key fails to mint (see `mintKey`). `adopt` (a CLI writer such
 * as `admin create`): records its key only when none is recorded yet, else refuses another one.
 * `never` (a replay, an offline rebuild): records nothing and refuses another key. Before any data
 * key exists, a mistyped key recorded by a CLI would stop the running servers minting until restarted.
 */
export type MasterRecording = 'record' | 'adopt' | 'never';

/** Refuses to run over live data keys wrapped by another master key, then records per `mode`. */
export const checkMaster = (s: Statements, id: string, mode: MasterRecording = 'record'): void => {
  const stored = s.liveMasterIds.all() as string[];
  if (stored.some((other) => other !== id)) throw new MasterKeyMismatchError(stored, id);
  const recorded = s.metaId.get() as string | undefined;
  if (mode === 'record' || (mode === 'adopt' && typeof recorded !== 'string')) return void s.setMetaId.run(id);
  if (typeof recorded === 'string' && recorded !== id) throw new MasterKeyMismatchError([recorded], id);
};

/** The master key in use and its id (public fingerprint). */
export type Master = { key: Buffer; id: string };

/** A new subject and its data key, in plaintext: it never leaves the process. */
export type NewKey = { subject: string; key: Buffer };

/** Under the write lock: refuses to mint when another process rotated the master key meanwhile. */
export const assertCurrentMaster = (s: Statements, masterId: string): void => {
  const stored = s.metaId.get() as string | undefined;
  if (stored !== masterId) throw new MasterKeyMismatchError([stored ?? ''], masterId);
};

/**
 * A UUIDv7 (RFC 9562: millisecond time, then random bits). Time-ordered subject ids put a batch of
 * new keys in the last pages of the table instead of random ones: the batch's fsync writes a few
 * pages, not one per key. The id reveals when its key was minted (ahead of use), nothing more.
 * Made from a version-4 UUID (Node's pooled CSPRNG, variant bits already 10) whose first 48 bits
 * become the time and whose version digit becomes 7: 74 random bits remain.
 */
const timeOrderedUuid = (): string => {
  const random = randomUUID();
  const time = Date.now().toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
};

/** Stores keys for `count` new subjects, wrapped under `master`. Run inside a write transaction. */
export const insertNewKeys = (s: Statements, master: Master, tenant: string, count: number): NewKey[] => {
  assertCurrentMaster(s, master.id);
  const now = new Date().toISOString();
  return Array.from({ length: count }, () => {
    const subject = timeOrderedUuid();
    const key = randomSecret(KEY_BYTES);
    s.insert.run(tenant, subject, seal(master.key, wrapAd(tenant, subject), key), master.id, now);
    return { subject, key };
  });
};

/** Re-wraps every live key, page by page (keyset), from `master` to `next`. */
export const rewrapAll = (s: Statements, master: Buffer, next: Buffer, nextId: string): number => {
  let count = 0;
  let after: [string, string] = ['', ''];
  for (;;) {
    const page = s.livePage.all(...after) as Named[];
    for (const row of page) {
      const ad = wrapAd(row.tenant_id, row.subject_id);
      s.rewrap.run(seal(next, ad, unseal(master, ad, row.wrapped_key)), nextId, row.tenant_id, row.subject_id);
    }
    count += page.length;
    const last = page[page.length - 1];
    if (!last || page.length < ROTATION_PAGE) return count;
    after = [last.tenant_id, last.subject_id];
  }
};


/** Checkpoints and truncates the WAL; false when a reader kept it from completing. */
export const checkpoint = (db: Database.Database): boolean => {
  const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
  return result?.busy === 0;
};

