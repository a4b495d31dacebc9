/**
 * Values read from one SQLite database, reused until it is written: a memo is emptied whenever
 * the connection's `total_changes()` (its own inserts, updates and deletes, rolled back or not)
 * or `PRAGMA data_version` (a commit by any other connection or process) moves. The first is read
 * at every check (a fraction of a microsecond); the second costs several microseconds, so it is
 * read once per turn of the event loop: a commit by another process is seen from the next turn
 * on, as if the reads of this turn had all happened at its first check. One version check then
 * replaces the reads it memoizes. Readers only: a value never misses a write of this connection.
 */
import type Database from 'better-sqlite3';
import { lruCache, type Lru } from './events/personal-data/lru.js';

/** A memo over one database: `(key, make)` answers the value made since the last write, else `make()`'s. */
export type WriteMemo<V> = (key: string, make: () => V) => V;

type Versions = { changes: Database.Statement; data: Database.Statement; dataVersion: number; fresh: boolean };

const versions = new WeakMap<Database.Database, Versions>();

const versionsOf = (db: Database.Database): Versions => {
  let v = versions.get(db);
  if (!v) {
    v = { changes: db.prepare('SELECT total_changes()').pluck(), data: db.prepare('PRAGMA data_version').pluck(), dataVersion: 0, fresh: false };
    versions.set(db, v);
  }
  return v;
};

/** `PRAGMA data_version` as of this loop turn: it moves when another connection or process commits. */
export const othersVersion = (db: Database.Database): number => {
  const v = versionsOf(db);
  if (!v.fresh) {
    v.dataVersion = v.data.get() as number;
    v.fresh = true;
    setImmediate(() => (v.fresh = false));
  }
  return v.dataVersion;
};

/** The database's write version as seen by this connection (other connections' commits: as of this loop turn). */
export const writeVersion = (db: Database.Database): string => `${versionsOf(db).changes.get() as number}:${othersVersion(db)}`;

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

/** A per-database LRU cache of `capacity` values (prepared statements, table shapes). */
export const perDatabase = <V>(capacity: number) => {
  const caches = new WeakMap<Database.Database, Lru<V>>();
  return (db: Database.Database, key: string, make: () => V): V => {
    let cache = caches.get(db);
    if (!cache) caches.set(db, (cache = lruCache<V>(capacity)));
    let value = cache.get(key);
    if (value === undefined) cache.set(key, (value = make()));
    return value;
  };
};

const prepared = perDatabase<Database.Statement>(512);

/**
 * The statement of `sql` on `db`, prepared once (preparing costs more than the lookup it runs).
 * For SQL built at run time (a physical table name); every caller of one text must use the
 * statement alike (`pluck`, `raw` change it for all).
 */
export const statementOf = (db: Database.Database, sql: string): Database.Statement => prepared(db, sql, () => db.prepare(sql));
