import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisRevokedGrants, revokedKeyOf } from '../../../src/access/oauth/revoked-grants-redis.js';
import type { RevokedGrants } from '../../../src/access/oauth/revoked-grants.js';
import { TEST_REDIS_KEY_PREFIX } from '../../support/redis-prefix.js';

const REVOKED_KEY = revokedKeyOf(TEST_REDIS_KEY_PREFIX);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (up to two seconds) until `check` holds; answers whether it did. */
const eventually = async (check: () => boolean): Promise<boolean> => {
  for (let waited = 0; waited < 2_000; waited += 10) {
    if (check()) return true;
    await sleep(10);
  }
  return check();
};

describe('revoked grants shared through Redis (redisRevokedGrants)', function () {
  const opened: { grants: RevokedGrants; redis: Redis; subscriber: Redis }[] = [];
  const ids: string[] = [];
  const grantId = () => {
    const id = `test-${randomUUID()}`;
    ids.push(id);
    return id;
  };
  const open = async (prefix = TEST_REDIS_KEY_PREFIX) => {
    const redis = new Redis(process.env.REDIS_URL!);
    const subscriber = redis.duplicate();
    const lost: unknown[] = [];
    const grants = await redisRevokedGrants({ redis, subscriber, prefix, onLost: (error) => lost.push(error) });
    opened.push({ grants, redis, subscriber });
    return { grants, subscriber, lost };
  };
  before(function () {
    if (!process.env.REDIS_URL) return this.skip();
  });
  after(async () => {
    if (opened.length === 0) return;
    if (ids.length > 0) await opened[0]!.redis.zrem(REVOKED_KEY, ...ids);
    for (const { grants, redis } of opened) {
      await grants.close();
      await redis.quit();
    }
  });

  it('refuses a grant at once where it was revoked, in the other processes once announced, and in one opened later', async () => {
    const [here, there] = [await open(), await open()];
    const [revoked, other] = [grantId(), grantId()];
    await here.grants.revoke(revoked);
    expect(here.grants.isRevoked(revoked)).to.equal(true);
    expect(await eventually(() => there.grants.isRevoked(revoked))).to.equal(true);
    expect(there.grants.isRevoked(other)).to.equal(false);
    expect((await open()).grants.isRevoked(revoked)).to.equal(true);
  });

  it('fails open while its subscription is down (known grants still refused, none refused blindly), and catches up when it is back', async () => {
    const [here, there] = [await open(), await open()];
    const [before, during] = [grantId(), grantId()];
    await here.grants.revoke(before);
    expect(await eventually(() => there.grants.isRevoked(before))).to.equal(true);
    const closed = new Promise((resolve) => there.subscriber.once('close', resolve));
    there.subscriber.disconnect(false);
    await closed;
    await here.grants.revoke(during);
    await sleep(100);
    expect([there.grants.isRevoked(before), there.grants.isRevoked(during)]).to.deep.equal([true, false]);
    expect(there.lost, 'the loss is reported').to.have.length(1);
    await there.subscriber.connect();
    expect(await eventually(() => there.grants.isRevoked(during)), 'loaded again once subscribed anew').to.equal(true);
  });

  it('forgets a revocation once no token of its grant can be unexpired', async () => {
    const { grants } = await open();
    const [old, recent] = [grantId(), grantId()];
    const redis = opened[0]!.redis;
    await redis.zadd(REVOKED_KEY, Math.floor(Date.now() / 1000) - 1, old);
    expect((await open()).grants.isRevoked(old), 'an expired entry is not loaded').to.equal(false);
    await grants.revoke(recent);
    expect(await redis.zscore(REVOKED_KEY, old)).to.equal(null);
    expect(await redis.ttl(REVOKED_KEY)).to.be.within(900, 960);
  });

  it('shares revocations only between processes of one key prefix', async () => {
    const other = `${TEST_REDIS_KEY_PREFIX}-other`;
    const mine = await open();
    const same = await open();
    const theirs = await open(other);
    const id = grantId();
    await mine.grants.revoke(id);
    expect(await eventually(() => same.grants.isRevoked(id))).to.equal(true);
    expect(await eventually(() => theirs.grants.isRevoked(id)), 'another prefix hears nothing').to.equal(false);
    expect((await open(other)).grants.isRevoked(id), 'nor loads it').to.equal(false);
    expect(await opened[0]!.redis.exists(revokedKeyOf(other))).to.equal(0);
  });
});
