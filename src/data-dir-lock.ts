/**
 * One API server per `DATA_DIR`: its projectors write read.db's live tables, its idempotency
 * claims and its job runner are its own, so a second server on the same directory would fight
 * the first over them. The lock is an exclusive SQLite transaction held open on
 * `DATA_DIR/server.lock` for the server's life: the system releases it when the process ends,
 * however it ends, so a crash leaves no stale lock behind.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { AppError } from './errors.js';
import { ensurePrivateFile } from './private-file.js';

/** Another server holds the directory: this one refuses to start (or an offline command to run). */
export class DataDirInUseError extends AppError {
  constructor(dataDir: string) {
    super('data_dir_in_use', 409, `Another CRM server is running on DATA_DIR ${dataDir}: stop it first, or give this one its own DATA_DIR`);
  }
}

export type DataDirLock = { release: () => void };

/** Takes the lock of `dataDir` at once, or throws `DataDirInUseError`. */
export const lockDataDir = (dataDir: string): DataDirLock => {
  const db = new Database(ensurePrivateFile(join(dataDir, 'server.lock')), { timeout: 0 });
  try {
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirInUseError(dataDir);
    throw error;
  }
  return { release: () => (db.exec('ROLLBACK'), db.close()) };
};
