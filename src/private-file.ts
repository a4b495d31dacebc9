/**
 * Database files are created mode 0600 before SQLite opens them (SQLite gives the -wal and -shm
 * files the database file's mode): in a directory someone else may read (a pre-created volume),
 * personal data in the read model or the log is still the server's alone.
 */
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/** Creates `file` (and its directory, 0700) empty with mode 0600 unless it exists; `:memory:` is left alone. */
export const ensurePrivateFile = (file: string): string => {
  if (file === ':memory:' || file === '' || existsSync(file)) return file;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  return file;
};
