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
});
