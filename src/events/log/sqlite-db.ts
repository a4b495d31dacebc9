/** The events database: its table and the pragmas of every connection to it. */
import Database from 'better-sqlite3';
import { ensurePrivateFile } from '../../private-file.js';

/** The events table; the benchmark's raw baseline creates the same one. */
export const EVENTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position       INTEGER PRIMARY KEY AUTOINCREMENT,
  id             TEXT    NOT NULL UNIQUE,
  stream         TEXT    NOT NULL,
  revision       INTEGER NOT NULL,
  type           TEXT    NOT NULL,
  schema_version INTEGER NOT NULL,
  data           TEXT    NOT NULL,
  metadata       TEXT    NOT NULL,
  recorded_at    TEXT    NOT NULL,
  UNIQUE (stream, revision)
);`;

/** Opens the pragmas every connection to events.db uses (the benchmark baseline uses them too). */
export const openEventsDatabase = (file: string, options: { readonly?: boolean } = {}): Database.Database => {
  const db = new Database(options.readonly ? file : ensurePrivateFile(file), { readonly: options.readonly ?? false });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  return db;
};
