/**
 * `DATA_DIR/identity.db`: what identity and the HTTP layer keep outside the event log (signing
 * keys, idempotency records). WAL, `synchronous=FULL`, `secure_delete=ON`, mode 0600.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync } from 'node:fs';

export const openIdentityDb = (file: string): Database.Database => {
  if (file !== ':memory:' && !existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('secure_delete = ON');
  db.pragma('busy_timeout = 5000');
  return db;
};
