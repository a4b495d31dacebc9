/**
 * `DATA_DIR/identity.db`: what identity and the HTTP layer keep outside the event log (signing
 * keys, idempotency records). WAL, `synchronous=FULL`, `secure_delete=ON`, mode 0600.
 */
import Database from 'better-sqlite3';
import { ensurePrivateFile } from '../private-file.js';

export const openIdentityDb = (file: string): Database.Database => {
  const db = new Database(ensurePrivateFile(file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('secure_delete = ON');
  db.pragma('busy_timeout = 5000');
  return db;
};

/**
 * Copies the WAL into the database and truncates it: `secure_delete` zeroes a deleted row's page,
 * but the WAL still holds its earlier images until then. False when a reader kept it from completing.
 */
export const checkpointIdentityDb = (db: Database.Database): boolean => {
  const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
  return result?.busy === 0;
};
