import { expect } from 'chai';
import { Redis } from 'ioredis';
import { tenantLookupHash } from '../../src/events/personal-data/keyed-hash.js';
import { RECORD_RESOURCES } from '../../src/http/api.js';
import { uniquenessKeyOf } from '../../src/http/uniqueness.js';
import { processLocks } from '../../src/process-locks.js';
import { redisKeyOf, redisLock } from '../../src/http/uniqueness-lock.js';
import { AppError } from '../../src/errors.js';
import { call, tokenFor } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';

const REDIS_URL = process.env.REDIS_URL;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Records when each step happens, to assert their order. */
const timeline = () => {
  const steps: string[] = [];
  return { steps, mark: (step: string) => void steps.push(step) };
};

const refusal = async (promise: Promise<unknown>): Promise<AppError> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('uniqueness lock', () => {
  describe('within one process', () => {
    it('makes a second holder of a key wait for the first one\'s release; other keys do not wait', async () => {
      const t = timeline();
      const lock = processLocks();
      const first = await lock(['a', 'b']);
      const second = lock(['b']).then((release) => (t.mark('second took b'), release));
      const other = await lock(['c']);
      t.mark('other took c');
      await sleep(20);
      t.mark('first releases');
      await first();
      await (await second)();
      await other();
      expect(t.steps).to.deep.equal(['other took c', 'first releases', 'second took b']);
    });
  });

  (REDIS_URL ? describe : describe.skip)('shared through Redis (REDIS_URL), as by two API processes', () => {
    let one: Redis;
    let two: Redis;
    before(async () => {
      one = new Redis(REDIS_URL!);
      two = new Redis(REDIS_URL!);
    });
    after(async () => {
      await one.quit();
      await two.quit();
    });
    const key = () => `t-${Math.random()}\0contact\0email\0hash`;

    it('makes the other process wait until the holder releases, then lets it take the key', async () => {
      const k = key();
      const t = timeline();
      const first = await redisLock(one)([k]);
      expect(await one.get(redisKeyOf(k))).to.be.a('string');
      const second = redisLock(two)([k]).then((release) => (t.mark('two took it'), release));
      await sleep(100);
      t.mark('one releases');
      await first();
      const release = await second;
      expect(t.steps).to.deep.equal(['one releases', 'two took it']);
      await release();
      expect(await one.exists(redisKeyOf(k))).to.equal(0);
    });

    it('answers 503 uniqueness_busy when the key stays held past the wait, and holds nothing afterwards', async () => {
      const [k, free] = [key(), key()];
      const held = await redisLock(one)([k]);
      const error = await refusal(redisLock(two, { waitMs: 100 })([free, k]));
      expect(error).to.include({ code: 'uniqueness_busy', status: 503 });
      expect(await two.exists(redisKeyOf(free))).to.equal(0); // taken before the busy one, given back
      await held();
      await (await redisLock(two, { waitMs: 100 })([free, k]))();
    });

    it('renews the keys it holds past their time to live, until it releases them', async () => {
      const k = key();
      const slow = await redisLock(one, { ttlMs: 150 })([k]);
      await sleep(500);
      const error = await refusal(redisLock(two, { waitMs: 100 })([k]));
      expect(error).to.include({ code: 'uniqueness_busy', status: 503 });
      expect(await one.pttl(redisKeyOf(k))).to.be.within(1, 150);
      await slow();
      await (await redisLock(two, { waitMs: 100 })([k]))();
    });

    it('never releases a key that expired and was taken by another holder', async () => {
      const k = key();
      const late = await redisLock(one, { ttlMs: 50 })([k]);
      await one.del(redisKeyOf(k)); // as when it expired (a holder whose renewals failed)
      const current = await redisLock(two)([k]);
      await late();
      expect(await two.get(redisKeyOf(k))).to.be.a('string');
      await current();
    });

    it('keeps personal data out of Redis: the key is a digest of tenant, type, field and keyed hash', () => {
      const k = uniquenessKeyOf('acme', 'contact', 'email', 'hmac-of-email');
      expect(redisKeyOf(k)).to.match(/^crm:uniq:[0-9a-f]{64}$/);
    });

    it('answers 503 uniqueness_lock_unavailable while Redis cannot be reached, and gives its process lock back', async () => {
      const down = new Redis('redis://127.0.0.1:1', { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
      down.on('error', () => undefined);
      const k = key();
      try {
        const error = await refusal(redisLock(down, { waitMs: 200 })([k]));
        expect(error).to.include({ code: 'uniqueness_lock_unavailable', status: 503 });
      const lock = redisLock(down, { waitMs: 200 });
      expect((await refusal(lock([k]))).code).to.equal('uniqueness_lock_unavailable');
      // Its own process lock was given back: a second try does not wait behind the first.
      const second = await Promise.race([refusal(lock([k])).then((e) => e.code), sleep(1_000).then(() => 'stuck')]);
      expect(second).to.equal('uniqueness_lock_unavailable');
      } finally {
        down.disconnect();
      }
    });
  });

  (REDIS_URL ? describe : describe.skip)('POST /sales/contacts with REDIS_URL', () => {
    let server: TestServer;
    let redis: Redis;
    before(async () => {
      server = await startTestServer({ REDIS_URL: REDIS_URL! });
      redis = new Redis(REDIS_URL!);
    });
    after(async () => {
      await server.dispose();
      await redis.quit();
    });

    it('waits while another process holds the email\'s lock, then checks and creates', async () => {
      const token = await tokenFor(server, { tenantId: 'acme', actorId: 'user-ada', roles: ['tenant_admin'] });
      const type = RECORD_RESOURCES.find((r) => r.path === '/sales/contacts')!.kind.type;
      const hash = tenantLookupHash(server.keyStore, 'acme', 'email', 'held@example.org');
      const redisKey = redisKeyOf(uniquenessKeyOf('acme', type, 'email', hash));
      expect(await redis.set(redisKey, 'another-process', 'PX', 10_000, 'NX')).to.equal('OK');
      const t = timeline();
      const created = call(server, 'POST', '/sales/contacts', { token, body: { firstName: 'Ada', lastName: 'Held', email: 'held@example.org' } })
        .then((res) => (t.mark(`answered ${res.status}`), res));
      await sleep(300);
      t.mark('other process releases');
      await redis.del(redisKey);
      const res = await created;
      expect(t.steps).to.deep.equal(['other process releases', 'answered 201']);
      expect(res.status).to.equal(201);
      expect(await redis.exists(redisKey)).to.equal(0);
      const again = await call(server, 'POST', '/sales/contacts', { token, body: { firstName: 'Ada', lastName: 'Again', email: 'held@example.org' } });
      expect(again.status).to.equal(409);
      expect(again.body.code).to.equal('duplicate_email');
    });
  });
});
