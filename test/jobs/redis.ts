/** Redis access for the BullMQ tests: the URL, unique prefixes, and reading or deleting a prefix's keys. */
import { Redis } from 'ioredis';
import { createBullMqJobQueue } from '../../src/jobs/bullmq.js';
import type { JobQueue } from '../../src/jobs/port.js';
import { TEST_REDIS_KEY_PREFIX } from '../support/redis-prefix.js';
import { capturedLogger } from './support.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let counter = 0;

/** A key prefix no other test or test run uses. */
export const uniquePrefix = (): string => `${TEST_REDIS_KEY_PREFIX}-${++counter}`;

export const connect = (): Redis => new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });

export const keysOf = async (redis: Redis, prefix: string): Promise<string[]> => {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
};

export const deleteKeys = async (redis: Redis, prefix: string): Promise<void> => {
  const keys = await keysOf(redis, prefix);
  if (keys.length > 0) await redis.unlink(...keys);
};

const VALUE_READERS: Record<string, (redis: Redis, key: string) => Promise<unknown>> = {
  string: (redis, key) => redis.get(key),
  hash: (redis, key) => redis.hgetall(key),
  list: (redis, key) => redis.lrange(key, 0, -1),
  set: (redis, key) => redis.smembers(key),
  zset: (redis, key) => redis.zrange(key, '0', '-1'),
  stream: (redis, key) => redis.xrange(key, '-', '+'),
};

/** Every key of the prefix with its whole value, as one string to search. */
export const dump = async (redis: Redis, prefix: string): Promise<string> => {
  const entries = await Promise.all((await keysOf(redis, prefix)).map(async (key) => {
    const type = await redis.type(key);
    const read = VALUE_READERS[type];
    if (!read) throw new Error(`unexpected Redis type ${type} at ${key}`);
    return [key, await read(redis, key)] as const;
  }));
  return JSON.stringify(Object.fromEntries(entries));
};

/**
 * Runs `suite` against BullMQ on the real Redis: each queue opened under a fresh key prefix, whose
 * keys are deleted after each test; `contents` dumps the current prefix's keys and values.
 */
export const onBullMq = (suite: (open: () => JobQueue, contents: () => Promise<string>) => void): void =>
  void describe('BullMQ on Redis', () => {
    let redis: Redis;
    let prefix = uniquePrefix();
    before(() => (redis = connect()));
    after(async () => redis.quit());
    afterEach(async () => deleteKeys(redis, prefix));
    const open = () => createBullMqJobQueue({ url: REDIS_URL, prefix: (prefix = uniquePrefix()), logger: capturedLogger().logger });
    suite(open, () => dump(redis, prefix));
  });
