/**
 * The `REDIS_KEY_PREFIX` of this test run, given to every server, process and Redis store the tests
 * open: concurrent runs (or a deployment) on the same Redis database never share a key. Once every
 * suite has run, the run's keys are deleted (the queues' keys have no time to live).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_KEY_PREFIX = `crm-test-${process.pid}-${randomBytes(4).toString('hex')}`;

/** Deletes every key of this run: those under its prefix and the prefixes derived from it (`<prefix>-…`). */
const deleteRunKeys = async (url: string): Promise<void> => {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    for await (const batch of redis.scanStream({ match: `${TEST_REDIS_KEY_PREFIX}*`, count: 1000 })) {
      if ((batch as string[]).length > 0) await redis.unlink(...(batch as string[]));
    }
  } finally {
    redis.disconnect();
  }
};

// A root hook: registered while the first spec importing this module loads.
if (process.env.REDIS_URL && typeof after === 'function') after(() => deleteRunKeys(process.env.REDIS_URL!));
