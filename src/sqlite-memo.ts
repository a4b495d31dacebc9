/**
 * Values read from one SQLite database, reused until it is written: a memo is emptied whenever
 * the connection's `total_changes()` (its own inserts, updates and deletes, rolled back or not)
 * or `PRAGMA data_version` (a commit by any other connection or process) moves. One version check
 * (a one-row statement) then replaces the reads it memoizes. Readers only: a value is never older
 * than the last write the connection could see when it was asked for.
 */
import type Database from 'better-sqlite3';

/** A memo over one database: `(key, make)` answers the value made since the last write, else `make()`'s. */
export type WriteMemo<V> = (key: string, make: () => V) => V;

const versions = new WeakMap<Database.Database, Database.Statement>();

/** The database's write version as seen by this connection. */
export const writeVersion = (db: Database.Database): string => {
  let statement = versions.get(db);
  if (!statement) {
    statement = db.prepare('SELECT total_changes(), data_version FROM pragma_data_version').raw();
    versions.set(db, statement);
  }
  const [changes, version] = statement.get() as [number, number];
  return `${changes}:${version}`;
};

/**
 * A memo of at most `capacity` values (oldest dropped first), emptied at every write; `keep`
 * decides whether a made value is kept (e.g. not too large).
 */
export const memoUntilWrite = <V>(db: Database.Database, capacity: number, keep: (value: V) => boolean = () => true): WriteMemo<V> => {
  const entries = new Map<string, V>();
  let seen = '';
  return (key, make) => {
    const version = writeVersion(db);
    if (version !== seen) {
      entries.clear();
      seen = version;
    }
    if (entries.has(key)) return entries.get(key)!;
    const value = make();
    if (!keep(value)) return value;
    if (entries.size >= capacity) entries.delete(entries.keys().next().value!);
    entries.set(key, value);
    return value;
  };
};
