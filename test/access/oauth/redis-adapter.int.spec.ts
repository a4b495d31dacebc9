import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisAdapter } from '../../../src/access/oauth/redis-adapter.js';
import { adapterContract } from './adapter-contract.js';

describe('OAuth storage in Redis (redisAdapter)', function () {
  let redis: Redis;
  before(function () {
    if (!process.env.REDIS_URL) return this.skip();
    redis = new Redis(process.env.REDIS_URL, { keyPrefix: `test:${process.pid}:` });
  });
  after(async () => {
    if (!redis) return;
    const keys = await redis.keys(`test:${process.pid}:*`);
    if (keys.length > 0) await redis.del(...keys.map((k) => k.slice(`test:${process.pid}:`.length)));
    await redis.quit();
  });
  adapterContract(() => redisAdapter(redis));

  it('lets a grant\'s index of entries expire with its longest-lived entry', async () => {
    const grantId = randomUUID();
    const adapter = redisAdapter(redis);
    await adapter('AuthorizationCode').upsert(randomUUID(), { grantId }, 60);
    expect(await redis.ttl(`crm:oauth:grant:${grantId}`)).to.be.within(1, 60);
    await adapter('RefreshToken').upsert(randomUUID(), { grantId }, 3600);
    await adapter('AuthorizationCode').upsert(randomUUID(), { grantId }, 60);
    expect(await redis.ttl(`crm:oauth:grant:${grantId}`)).to.be.within(3500, 3600);
  });
});
