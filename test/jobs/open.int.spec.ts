import { expect } from 'chai';
import { openJobQueue } from '../../src/jobs/open.js';
import { createLogger } from '../../src/logger.js';
import { REDIS_URL, uniquePrefix } from './redis.js';

describe('openJobQueue', () => {
  const logger = createLogger('silent');

  it('opens the in-process runner when no REDIS_URL is configured', async () => {
    const queue = await openJobQueue({ redisUrl: undefined }, logger);
    expect(queue.kind).to.equal('in-process');
    await queue.close();
  });

  it('opens the BullMQ queue when REDIS_URL is configured', async () => {
    const queue = await openJobQueue({ redisUrl: REDIS_URL }, logger, { prefix: uniquePrefix() });
    expect(queue.kind).to.equal('bullmq');
    await queue.close();
  });
});
