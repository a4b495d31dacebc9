import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisAdapter } from '../../../src/access/oauth/redis-adapter.js';
import { TEST_REDIS_KEY_PREFIX } from '../../support/redis-prefix.js';
import { adapterContract } from './adapter-contract.js';

const PREFIX = `${TEST_REDIS_KEY_PREFIX}-adapter`;

describe('OAuth storage in Redis (redisAdapter)', function () {
  let redis: Redis;
  before(function () {
    if (!process.env.REDIS_URL) return this.skip();
    redis = new Redis(process.env.REDIS_URL);
  });
  after(async () => {
    if (!redis) return;
    const keys = await redis.keys(`${PREFIX}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  adapterContract(() => redisAdapter(redis, PREFIX));

  it('lets a grant\'s index of entries expire with its longest-lived entry', async () => {
    const grantId = randomUUID();
    const adapter = redisAdapter(redis, PREFIX);
    await adapter('AuthorizationCode').upsert(randomUUID(), { grantId }, 60);
    expect(await redis.ttl(`${PREFIX}:oauth:grant:${grantId}`)).to.be.within(1, 60);
    await adapter('RefreshToken').upsert(randomUUID(), { grantId }, 3600);
    await adapter('AuthorizationCode').upsert(randomUUID(), { grantId }, 60);
    expect(await redis.ttl(`${PREFIX}:oauth:grant:${grantId}`)).to.be.within(3500, 3600);
  });

  it('keeps its entries under `<prefix>:oauth:`, unseen by a deployment with another prefix', async () => {
    const id = randomUUID();
    await redisAdapter(redis, PREFIX)('Session').upsert(id, { accountId: 'ada' }, 60);
    expect(await redis.exists(`${PREFIX}:oauth:Session:${id}`)).to.equal(1);
    expect(await redisAdapter(redis, `${PREFIX}-other`)('Session').find(id)).to.equal(undefined);
    expect(await redisAdapter(redis, PREFIX)('Session').find(id)).to.include({ accountId: 'ada' });
  });
});
