/**
 * Where the in-process job runner keeps its unfinished jobs: `DATA_DIR/jobs.db` (WAL,
 * `synchronous=FULL`, mode 0600). A job is written when it is enqueued, its due time and attempts
 * are updated when a failure schedules a retry, and it is deleted once it has finished or was
 * removed. At start the runner schedules again every job left there, so neither a restart nor a
 * crash loses a reminder, a quote's expiry timer or a reactor (a job that was running when the
 * process died runs again: every handler is idempotent).
 */
import Database from 'better-sqlite3';
import type { JobData } from './port.js';
import { ensurePrivateFile } from '../private-file.js';

/** An unfinished job as stored: due at `dueAt` (ms since the epoch) after `attemptsMade` attempts. */
export type StoredRow = { name: string; id: string; data: JobData; dueAt: number; attemptsMade: number };

export type JobStore = {
  put(job: StoredRow): void;
  reschedule(name: string, id: string, dueAt: number, attemptsMade: number): void;
  remove(name: string, id: string): void;
  /** The unfinished jobs, earliest due first. */
  unfinished(): StoredRow[];
  close(): void;
};

const SCHEMA = `CREATE TABLE IF NOT EXISTS jobs (
  name TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, due_at INTEGER NOT NULL, attempts_made INTEGER NOT NULL,
  PRIMARY KEY (name, id)
) WITHOUT ROWID`;

type Row = { name: string; id: string; data: string; due_at: number; attempts_made: number };

/** Opens (creating if needed) the job store at `file`. */
export const openJobStore = (file: string): JobStore => {
  const db = new Database(ensurePrivateFile(file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const insert = db.prepare('INSERT OR IGNORE INTO jobs (name, id, data, due_at, attempts_made) VALUES (?, ?, ?, ?, ?)');
  const update = db.prepare('UPDATE jobs SET due_at = ?, attempts_made = ? WHERE name = ? AND id = ?');
  const remove = db.prepare('DELETE FROM jobs WHERE name = ? AND id = ?');
  const all = db.prepare('SELECT * FROM jobs ORDER BY due_at, name, id');
  return {
    put: (job) => void insert.run(job.name, job.id, JSON.stringify(job.data), job.dueAt, job.attemptsMade),
    reschedule: (name, id, dueAt, attemptsMade) => void update.run(dueAt, attemptsMade, name, id),
    remove: (name, id) => void remove.run(name, id),
    unfinished: () => (all.all() as Row[]).map((row) => ({
      name: row.name, id: row.id, data: JSON.parse(row.data) as JobData, dueAt: row.due_at, attemptsMade: row.attempts_made,
    })),
    close: () => db.close(),
  };
};
