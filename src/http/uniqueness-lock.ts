/**
 * The lock `uniquely` (see `uniqueness.ts`) holds over a write's check and append, one per claimed
 * value. In one process it is a promise chain per key. With Redis (`REDIS_URL`) each key is also
 * taken in Redis (`SET key token NX PX ttl`, released by a compare-and-delete script), so API
 * processes sharing one event store (EventStoreDB replicas) exclude each other as well: the second
 * writer of a value checks only after the first one's append has committed, and its check waits
 * for the log's head, so it sees that append.
 *
 * Redis keys are SHA-256 digests of (tenant, record type, field, keyed hash): no personal data.
 * A holder renews its keys every third of `ttlMs` while it holds them (a slow append must not lose
 * them halfway); one that dies leaves them to expire after `ttlMs`. While Redis cannot be reached, a
 * write claiming a unique value answers 503 `uniqueness_lock_unavailable` rather than risk a duplicate.
 *
 * A living holder can lose a key too: its renewals failed (Redis or the network away) for a whole
 * `ttlMs`, or the key was deleted. So the holder fences itself: its writes append through
 * `fencedBy` (`process-locks.ts`), which confirms the keys just before each append, by the script
 * that renews them, finding the holder's token there. A token still there proves that nobody else
 * held the key since it was taken (tokens are never reused; a key is only taken when absent), so a
 * renewal that failed in between does not matter; a key found gone or another's refuses the append
 * with 503 `uniqueness_lock_lost`, an unreachable Redis with 503 `uniqueness_lock_unavailable`:
 * nothing appended, retry. Left open: an append still running `ttlMs` after its confirmation while
 * every renewal fails.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { UnavailableError } from '../errors.js';
import { ordered, processLocks, type Hold, type KeyedLock } from '../process-locks.js';

/** Takes every key (in a fixed order, so two writers never wait for each other); answers the hold. */
export type UniquenessLock = KeyedLock;

export type RedisLockOptions = {
  /** The deployment's key prefix (`REDIS_KEY_PREFIX`): keys are `<prefix>:uniq:<digest>`. */
  prefix: string;
  /** How long a taken key lives if its holder never releases it; default 30 s (a write's check waits 5 s at most). */
  ttlMs?: number;
  /** How long to wait for a key held by another process before 503 `uniqueness_busy`; default 10 s. */
  waitMs?: number;
};

/** This process's lock (embedded store: one process writes). */
export const processLock: UniquenessLock = processLocks();

// ---------------------------------------------------------------- Redis

const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

/** The Redis key standing for a lock key (a digest: the key itself never reaches Redis). */
export const redisKeyOf = (prefix: string, key: string): string => `${prefix}:uniq:${createHash('sha256').update(key).digest('hex')}`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const unavailable = (): UnavailableError =>
  new UnavailableError('uniqueness_lock_unavailable', 'Unique values cannot be checked while Redis is unreachable; retry shortly', { retryAfter: 1 });

const lost = (): UnavailableError =>
  new UnavailableError('uniqueness_lock_lost', 'The lock over this write ran out before it was appended; nothing was written, retry shortly', { retryAfter: 1 });

/** A connection still being made (the server just started, or Redis just came back) is worth a short wait. */
const connected = async (redis: Redis, deadline: number): Promise<void> => {
  if (redis.status === 'ready' || !['wait', 'connecting', 'connect', 'reconnecting'].includes(redis.status)) return;
  await new Promise<void>((resolve) => {
    const done = () => (clearTimeout(timer), redis.off('ready', done), resolve());
    const timer = setTimeout(done, Math.max(0, Math.min(1_000, deadline - Date.now())));
    redis.once('ready', done);
  });
};

/** Takes one Redis key, retrying (2 ms doubling to 50 ms) while another process holds it. */
const takeInRedis = async (redis: Redis, key: string, token: string, ttlMs: number, deadline: number): Promise<void> => {
  await connected(redis, deadline);
  for (let delay = 2; ; delay = Math.min(50, delay * 2)) {
    let taken: string | null;
    try {
      taken = await redis.set(key, token, 'PX', ttlMs, 'NX');
    } catch {
      throw unavailable();
    }
    if (taken === 'OK') return;
    if (Date.now() >= deadline) throw new UnavailableError('uniqueness_busy', 'Another write of the same unique value is still running; retry shortly', { retryAfter: 1 });
    await sleep(delay);
  }
};

const releaseInRedis = async (redis: Redis, keys: readonly string[], token: string): Promise<void> => {
  // A release that fails leaves the key to expire: nothing more to do.
  await Promise.all(keys.map((key) => redis.eval(RELEASE, 1, key, token).catch(() => undefined)));
};

/** The keys taken in Redis: renewed every third of their time to live until released, and confirmed before each append. */
const heldInRedis = (redis: Redis, keys: readonly string[], token: string, ttlMs: number, releaseLocal: () => Promise<void>): Hold => {
  let gone = false; // a renewal found a key no longer this holder's
  const renew = async (): Promise<boolean> =>
    (await Promise.all(keys.map((key) => redis.eval(RENEW, 1, key, token, ttlMs)))).every((answer) => answer === 1);
  // A renewal that fails tells nothing: the confirmation asks Redis again.
  const renewNow = () => void renew().then((ours) => (gone ||= !ours), () => undefined);
  const timer = setInterval(renewNow, Math.max(10, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    release: async () => {
      clearInterval(timer);
      await releaseInRedis(redis, keys, token);
      await releaseLocal();
    },
    confirm: async () => {
      if (gone) throw lost();
      const ours = await renew().catch(() => {
        throw unavailable();
      });
      if (!ours) throw lost();
    },
  };
};

/** A lock of its own in this process, then the same keys in Redis, shared by every process using that Redis. */
export const redisLock = (redis: Redis, options: RedisLockOptions): UniquenessLock => {
  const { prefix, ttlMs = 30_000, waitMs = 10_000 } = options;
  const local = processLocks();
  return async (keys) => {
    const { release: releaseLocal } = await local(keys);
    const token = randomUUID();
    const taken: string[] = [];
    try {
      const deadline = Date.now() + waitMs;
      for (const key of ordered(keys).map((k) => redisKeyOf(prefix, k))) {
        await takeInRedis(redis, key, token, ttlMs, deadline);
        taken.push(key);
      }
    } catch (error) {
      await releaseInRedis(redis, taken, token);
      await releaseLocal();
      throw error;
    }
    return taken.length === 0 ? { release: releaseLocal } : heldInRedis(redis, taken, token, ttlMs, releaseLocal);
  };
};
