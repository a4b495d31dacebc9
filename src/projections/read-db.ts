/**
 * The read-model database (design §5): `DATA_DIR/read.db`, WAL, `secure_delete=ON` (scrubbed
 * personal data is overwritten, not just unlinked), `synchronous=NORMAL` (the file is rebuildable
 * from the log, so a lost last commit after a power cut only replays a batch). One better-sqlite3
 * connection for the projection runner's hot path, and a knex instance over the same file for
 * schema work and queries.
 */
import Database from 'better-sqlite3';
import knex, { type Knex } from 'knex';
import { join } from 'node:path';
import { SAFETY_NET_PAGES, startCheckpointer } from './read-checkpointer.js';
import { ensurePrivateFile } from '../private-file.js';

/** The opened read model: one synchronous connection, knex over the same file, and `close`. */
export type ReadDb = {
  readonly file: string;
  /** The synchronous connection the runner writes through (and in-process readers may read through). */
  readonly db: Database.Database;
  /** knex over the same file: DDL generation, and queries that prefer a builder. */
  readonly knex: Knex;
  close(): Promise<void>;
};

const PRAGMAS = ['journal_mode = WAL', 'synchronous = NORMAL', 'secure_delete = ON', 'busy_timeout = 5000'];

/** Applies the read model's pragmas to one connection (every connection needs its own `secure_delete`). */
export const applyReadPragmas = (db: Database.Database): Database.Database => {
  for (const pragma of PRAGMAS) db.pragma(pragma);
  db.pragma('cache_size = -65536'); // 64 MiB: index pages touched by a batch stay in memory
  db.pragma('wal_autocheckpoint = 10000'); // ~40 MiB: a rebuild's batches are not each followed by a checkpoint and its fsync
  return db;
};

/** Opens one better-sqlite3 connection to a read-model file with the read model's pragmas. */
export const openReadDatabase = (file: string, options: { readonly?: boolean } = {}): Database.Database => {
  if (!options.readonly) ensurePrivateFile(file);
  const db = new Database(file, { readonly: options.readonly ?? false });
  return options.readonly ? (db.pragma('busy_timeout = 5000'), db) : applyReadPragmas(db);
};

/** A knex instance over `file` (`better-sqlite3`, nulls as defaults, the same pragmas per connection). */
export const readKnex = (file: string): Knex =>
  knex({
    client: 'better-sqlite3',
    useNullAsDefault: true,
    connection: { filename: file },
    pool: {
      afterCreate: (conn: Database.Database, done: (error: Error | null, conn: Database.Database) => void) =>
        done(null, applyReadPragmas(conn)),
    },
  });

/** SQLite's own default: without the thread, the connection checkpoints every ~4 MiB of WAL. */
const FALLBACK_CHECKPOINT_PAGES = 1_000;

/**
 * Opens `DATA_DIR/read.db` (created if missing); its checkpoints run on a thread (`read-checkpointer.ts`).
 * If that thread fails, the connection checkpoints by itself again and `onCheckpointerFailure` hears why.
 */
export const openReadDb = (dataDir: string, options: { onCheckpointerFailure?: (error: Error) => void } = {}): ReadDb => {
  const file = join(dataDir, 'read.db');
  const db = openReadDatabase(file);
  db.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
  db.pragma('threads = 2'); // a rebuild's CREATE INDEX sorts with a helper thread
  const checkpointer = startCheckpointer(file, {
    onFailure: (error) => {
      if (db.open) db.pragma(`wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES}`);
      options.onCheckpointerFailure?.(error);
    },
  });
  const builder = readKnex(file);
  let closed = false;
  return {
    file,
    db,
    knex: builder,
    close: async () => {
      if (closed) return;
      closed = true;
      await builder.destroy();
      await checkpointer.close();
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
};
