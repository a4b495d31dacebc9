/**
 * Serialized answers of read-model routes (a record, a list page), reused while the read model is
 * unchanged (`memoUntilWrite`: the runner writes every row, checkpoint and swap through this
 * connection; a CLI rebuild commits through another). The key names everything else the answer
 * depends on (the kind, the tenant, the row scope, the query). Any write empties the cache, so an
 * erasure, a scrub or a rebuild is never answered from before it, and no erased value stays held.
 */
import type Database from 'better-sqlite3';
import { memoUntilWrite, type WriteMemo } from '../sqlite-memo.js';

/** An answer as sent: its JSON (UTF-8, so a cached page is written without encoding it again), and the `ETag` it carries (if any). */
export type CachedAnswer = { json: Buffer; etag?: string };

/** `value` as an answer. */
export const answerOf = (value: unknown, etag?: string): CachedAnswer => ({ json: Buffer.from(JSON.stringify(value)), ...(etag ? { etag } : {}) });

const MAX_ENTRIES = 1_000;
const MAX_JSON_BYTES = 256 * 1024;

const caches = new WeakMap<Database.Database, WriteMemo<CachedAnswer>>();

/** The answer under `key` while the read model has not changed since it was made; else `make()`'s (run at once). */
export const cachedAnswer = (db: Database.Database, key: string, make: () => CachedAnswer): CachedAnswer => {
  let memo = caches.get(db);
  if (!memo) caches.set(db, (memo = memoUntilWrite<CachedAnswer>(db, MAX_ENTRIES, (answer) => answer.json.length <= MAX_JSON_BYTES)));
  return memo(key, make);
};
