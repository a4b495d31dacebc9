/**
 * The operator commands' checks on `DATA_DIR`. Most of them only make sense on a directory a server
 * has already filled: run on a mistyped path, they would create fresh databases (and a fresh master
 * key) there and report success, so they refuse before opening anything. `keys rotate-master`
 * also needs the servers stopped: it holds the server lock while it runs, so none starts meanwhile.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.js';
import { DataDirInUseError, lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { AppError } from './errors.js';

/** `DATA_DIR` is not a directory, or lacks the file the command reads. */
export class DataDirMissingError extends AppError {
  constructor(dataDir: string) {
    super('data_dir_missing', 500, `DATA_DIR ${dataDir} does not exist or holds no CRM data`);
  }
}

/** A server holds `DATA_DIR` while a command that needs the servers stopped was asked to run. */
export class ServerRunningError extends AppError {
  constructor(dataDir: string, command: string) {
    super('data_dir_in_use', 409, `A CRM server is running on DATA_DIR ${dataDir}: stop the servers before ${command}`);
  }
}

export const KEYS_DB = 'keys.db';
export const IDENTITY_DB = 'identity.db';

const isDirectory = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // ENOENT, ENOTDIR, EACCES: not a DATA_DIR this command can use
  }
};

/** Throws `DataDirMissingError` unless `DATA_DIR` is a directory holding `file`. */
export const requireDataFile = (dataDir: string, file: string | undefined): void => {
  if (!isDirectory(dataDir) || (file !== undefined && !existsSync(join(dataDir, file)))) throw new DataDirMissingError(dataDir);
};

/** The log's file in `DATA_DIR` (none with EventStoreDB: the directory must exist all the same). */
export const requireEventLog = (config: Pick<Config, 'dataDir' | 'eventStoreUrl'>): void =>
  requireDataFile(config.dataDir, config.eventStoreUrl ? undefined : 'events.db');

/** Takes the server lock of `dataDir` for `command`, or throws `ServerRunningError`. */
export const lockStoppedDataDir = (dataDir: string, command: string): DataDirLock => {
  try {
    return lockDataDir(dataDir);
  } catch (error) {
    if (error instanceof DataDirInUseError) throw new ServerRunningError(dataDir, command);
    throw error;
  }
};
