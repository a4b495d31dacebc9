import { expect } from 'chai';
import { openJobQueue } from '../../src/jobs/open.js';
import { createLogger } from '../../src/logger.js';
import { connect, deleteKeys, keysOf, REDIS_URL, uniquePrefix } from './redis.js';

describe('openJobQueue', () => {
  const logger = createLogger('silent');

  it('opens the in-process runner when no REDIS_URL is configured', async () => {
    const queue = await openJobQueue({ redisUrl: undefined, redisKeyPrefix: 'crm' }, logger);
    expect(queue.kind).to.equal('in-process');
    await queue.close();
  });

  it('opens the BullMQ queue when REDIS_URL is configured, its keys under REDIS_KEY_PREFIX', async () => {
    const [prefix, other] = [uniquePrefix(), uniquePrefix()];
    const queue = await openJobQueue({ redisUrl: REDIS_URL, redisKeyPrefix: prefix }, logger);
    const redis = connect();
    try {
      expect(queue.kind).to.equal('bullmq');
      queue.register('test.prefixed', async () => undefined);
      const { id } = await queue.enqueue('test.prefixed', { n: 1 });
      expect(await keysOf(redis, prefix)).to.include(`${prefix}:test.prefixed:${id}`);
      const theirs = await openJobQueue({ redisUrl: REDIS_URL, redisKeyPrefix: other }, logger);
      theirs.register('test.prefixed', async () => undefined);
      expect(await theirs.get('test.prefixed', id), 'another prefix sees no job').to.equal(undefined);
      expect(await queue.get('test.prefixed', id)).to.include({ id });
      await theirs.close();
      expect((await keysOf(redis, other)).filter((key) => key.includes(id))).to.deep.equal([]);
    } finally {
      await queue.close();
      await deleteKeys(redis, prefix);
      await deleteKeys(redis, other);
      await redis.quit();
    }
  });
});
