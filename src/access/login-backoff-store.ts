/**
 * Where the login backoff keeps its holds and failure counts: Redis when configured (shared by
 * every API replica, expiring by Redis's clock), else this process's memory, bounded.
 */
import type { Redis } from 'ioredis';

/** How long a failure count is kept after its last failure. */
export const COUNT_LIFETIME_MS = 24 * 60 * 60 * 1000;
const MAX_TRACKED = 100_000;

export type BackoffStore = {
  /** Holds `key` for `ms` unless it is held already: 0 then, else the milliseconds its hold has left. */
  hold(key: string, ms: number): Promise<number>;
  /** Holds `key` for `ms`, whether or not it is held. */
  holdAnyway(key: string, ms: number): Promise<void>;
  /** Adds a failure to each counter (each kept `COUNT_LIFETIME_MS` after this one); their new counts. */
  count(keys: readonly string[]): Promise<number[]>;
  forget(keys: readonly string[]): Promise<void>;
};

type Entry = { value: number; expiresAt: number };

/**
 * This process's store. Past `maxTracked` entries the least recently written goes first: an
 * attacker spreading failures over that many keys can shorten one wait, never lengthen one.
 */
export const memoryBackoffStore = (now: () => number = Date.now, maxTracked = MAX_TRACKED): BackoffStore => {
  const entries = new Map<string, Entry>();
  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (!entry || entry.expiresAt > now()) return entry;
    entries.delete(key);
    return undefined;
  };
  const write = (key: string, entry: Entry): void => {
    entries.delete(key); // re-inserted last: the map's order is the order of writes
    if (entries.size >= maxTracked) entries.delete(entries.keys().next().value!);
    entries.set(key, entry);
  };
  return {
    hold: async (key, ms) => {
      const held = live(key);
      if (held) return held.expiresAt - now();
      write(key, { value: 1, expiresAt: now() + ms });
      return 0;
    },
    holdAnyway: async (key, ms) => write(key, { value: 1, expiresAt: now() + ms }),
    count: async (keys) => keys.map((key) => {
      const value = (live(key)?.value ?? 0) + 1;
      write(key, { value, expiresAt: now() + COUNT_LIFETIME_MS });
      return value;
    }),
    forget: async (keys) => keys.forEach((key) => entries.delete(key)),
  };
};

/** The replies of a MULTI, in order; an error in any of them is thrown. */
const replies = async (batch: ReturnType<Redis['multi']>): Promise<unknown[]> =>
  (await batch.exec())!.map(([error, value]) => {
    if (error) throw error;
    return value;
  });

/**
 * The store in `redis`, keys `<prefix>:login:…` (`prefix` is `REDIS_KEY_PREFIX`); SET NX makes a
 * hold exclusive across replicas. Every key is written with its time to live in the same command
 * or transaction: a hold lives its `ms`, a count `COUNT_LIFETIME_MS` after its last failure.
 */
export const redisBackoffStore = (redis: Redis, prefix: string): BackoffStore => {
  const at = (key: string): string => `${prefix}:login:${key}`;
  return {
    hold: async (key, ms) => {
      const [set, left] = await replies(redis.multi().set(at(key), '1', 'PX', ms, 'NX').pttl(at(key)));
      return set === 'OK' ? 0 : Math.max(1, Number(left));
    },
    holdAnyway: async (key, ms) => void (await redis.set(at(key), '1', 'PX', ms)),
    count: async (keys) => {
      const batch = redis.multi();
      for (const key of keys) batch.incr(at(key)).pexpire(at(key), COUNT_LIFETIME_MS);
      const counts = await replies(batch);
      return keys.map((_key, i) => Number(counts[i * 2]));
    },
    forget: async (keys) => void (keys.length > 0 && (await redis.del(...keys.map(at)))),
  };
};
