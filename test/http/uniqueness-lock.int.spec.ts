import { expect } from 'chai';
import { Redis } from 'ioredis';
import { tenantLookupHash } from '../../src/events/personal-data/keyed-hash.js';
import { RECORD_RESOURCES } from '../../src/http/api.js';
import { uniquenessKeyOf } from '../../src/http/uniqueness.js';
import { keyClaimsFor, recordTurnKeyOf } from '../../src/http/uniqueness-keys.js';
import { targetKind } from '../../src/events/sales/target.js';
import { processLocks } from '../../src/process-locks.js';
import { redisKeyOf, redisLock } from '../../src/http/uniqueness-lock.js';
import { AppError } from '../../src/errors.js';
import { call, tokenFor } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { TEST_REDIS_KEY_PREFIX as PREFIX } from '../support/redis-prefix.js';

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
      const second = lock(['b']).then((hold) => (t.mark('second took b'), hold));
      const other = await lock(['c']);
      t.mark('other took c');
      await sleep(20);
      t.mark('first releases');
      await first.release();
      await (await second).release();
      await other.release();
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
      const first = await redisLock(one, { prefix: PREFIX })([k]);
      expect(await one.get(redisKeyOf(PREFIX, k))).to.be.a('string');
      const second = redisLock(two, { prefix: PREFIX })([k]).then((hold) => (t.mark('two took it'), hold));
      await sleep(100);
      t.mark('one releases');
      await first.release();
      const hold = await second;
      expect(t.steps).to.deep.equal(['one releases', 'two took it']);
      await hold.release();
      expect(await one.exists(redisKeyOf(PREFIX, k))).to.equal(0);
    });

    it('answers 503 uniqueness_busy when the key stays held past the wait, and holds nothing afterwards', async () => {
      const [k, free] = [key(), key()];
      const held = await redisLock(one, { prefix: PREFIX })([k]);
      const error = await refusal(redisLock(two, { prefix: PREFIX, waitMs: 100 })([free, k]));
      expect(error).to.include({ code: 'uniqueness_busy', status: 503 });
      expect(await two.exists(redisKeyOf(PREFIX, free))).to.equal(0); // taken before the busy one, given back
      await held.release();
      await (await redisLock(two, { prefix: PREFIX, waitMs: 100 })([free, k])).release();
    });

    it('renews the keys it holds past their time to live, until it releases them', async () => {
      const k = key();
      const slow = await redisLock(one, { prefix: PREFIX, ttlMs: 150 })([k]);
      await sleep(500);
      const error = await refusal(redisLock(two, { prefix: PREFIX, waitMs: 100 })([k]));
      expect(error).to.include({ code: 'uniqueness_busy', status: 503 });
      expect(await one.pttl(redisKeyOf(PREFIX, k))).to.be.within(1, 150);
      await slow.release();
      await (await redisLock(two, { prefix: PREFIX, waitMs: 100 })([k])).release();
    });

    it('never releases a key that expired and was taken by another holder', async () => {
      const k = key();
      const late = await redisLock(one, { prefix: PREFIX, ttlMs: 50 })([k]);
      await one.del(redisKeyOf(PREFIX, k)); // as when it expired (a holder whose renewals failed)
      const current = await redisLock(two, { prefix: PREFIX })([k]);
      await late.release();
      expect(await two.get(redisKeyOf(PREFIX, k))).to.be.a('string');
      await current.release();
    });

    it('confirms keys still its own, renewing them to their full time to live', async () => {
      const k = key();
      const hold = await redisLock(one, { prefix: PREFIX, ttlMs: 5_000 })([k]);
      await one.pexpire(redisKeyOf(PREFIX, k), 100);
      await hold.confirm!();
      expect(await one.pttl(redisKeyOf(PREFIX, k))).to.be.above(4_000);
      await hold.release();
    });

    it('refuses to confirm a key deleted or overwritten while held: 503 uniqueness_lock_lost, and releases only its own', async () => {
      const [deleted, overwritten] = [key(), key()];
      const gone = await redisLock(one, { prefix: PREFIX })([deleted]);
      await two.del(redisKeyOf(PREFIX, deleted));
      const error = await refusal(gone.confirm!());
      expect(error).to.include({ code: 'uniqueness_lock_lost', status: 503 });
      expect(error.extra).to.include({ retryAfter: 1 });
      expect(await two.exists(redisKeyOf(PREFIX, deleted))).to.equal(0); // refused without taking it again
      await gone.release();
      const taken = await redisLock(one, { prefix: PREFIX })([key(), overwritten]);
      await two.set(redisKeyOf(PREFIX, overwritten), 'another-process');
      expect((await refusal(taken.confirm!())).code).to.equal('uniqueness_lock_lost');
      await taken.release();
      expect(await two.get(redisKeyOf(PREFIX, overwritten))).to.equal('another-process');
      await two.del(redisKeyOf(PREFIX, overwritten));
    });

    it('refuses to confirm once its renewals failed and the key ran out and went to another holder, though Redis answers again', async () => {
      const k = key();
      const cut = new Redis(REDIS_URL!);
      try {
        const late = await redisLock(cut, { prefix: PREFIX, ttlMs: 150 })([k]);
        cut.disconnect(); // its renewals fail from here on
        await sleep(400);
        const current = await redisLock(two, { prefix: PREFIX })([k]);
        expect((await refusal(late.confirm!())).code).to.equal('uniqueness_lock_unavailable'); // while it cannot ask
        await cut.connect();
        expect(await refusal(late.confirm!())).to.include({ code: 'uniqueness_lock_lost', status: 503 });
        await late.release();
        await current.confirm!(); // the other holder's key is intact
        await current.release();
      } finally {
        cut.disconnect();
      }
    });

    it('keeps personal data out of Redis: the key is a digest of tenant, type, field and keyed hash', () => {
      const k = uniquenessKeyOf('acme', 'contact', 'email', 'hmac-of-email');
      expect(redisKeyOf('crm', k)).to.match(/^crm:uniq:[0-9a-f]{64}$/);
      expect(redisKeyOf(PREFIX, k)).to.equal(`${PREFIX}:uniq:${redisKeyOf('crm', k).slice('crm:uniq:'.length)}`);
    });

    it('answers 503 uniqueness_lock_unavailable while Redis cannot be reached, and gives its process lock back', async () => {
      const down = new Redis('redis://127.0.0.1:1', { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
      down.on('error', () => undefined);
      const k = key();
      try {
        const error = await refusal(redisLock(down, { prefix: PREFIX, waitMs: 200 })([k]));
        expect(error).to.include({ code: 'uniqueness_lock_unavailable', status: 503 });
      const lock = redisLock(down, { prefix: PREFIX, waitMs: 200 });
      expect((await refusal(lock([k]))).code).to.equal('uniqueness_lock_unavailable');
      // Its own process lock was given back: a second try does not wait behind the first.
      const second = await Promise.race([refusal(lock([k])).then((e) => e.code), sleep(1_000).then(() => 'stuck')]);
      expect(second).to.equal('uniqueness_lock_unavailable');
      } finally {
        down.disconnect();
      }
    });
  });

  (REDIS_URL ? describe : describe.skip)('the API with REDIS_URL', () => {
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

    it('POST /sales/contacts waits while another process holds the email\'s lock, then checks and creates', async () => {
      const token = await tokenFor(server, { tenantId: 'acme', actorId: 'user-ada', roles: ['tenant_admin'] });
      const type = RECORD_RESOURCES.find((r) => r.path === '/sales/contacts')!.kind.type;
      const hash = tenantLookupHash(server.keyStore, 'acme', 'email', 'held@example.org');
      const redisKey = redisKeyOf(PREFIX, uniquenessKeyOf('acme', type, 'email', hash));
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

    it('PATCH /sales/targets/:id appends nothing when the record\'s turn ran out and went to another process during its check: 503 uniqueness_lock_lost, Retry-After', async () => {
      const token = await tokenFor(server, { tenantId: 'acme', actorId: 'user-ada', roles: ['tenant_admin'] });
      // The caller's own quota: an assignee other than the caller must be a user of the tenant.
      const body = { assignee: { type: 'user', id: 'user-ada' }, period: '2026-Q4', metric: 'won_revenue', currency: 'EUR', quota: 1_000 };
      const created = await call(server, 'POST', '/sales/targets', { token, body });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      const { id } = created.body;
      const changes = { period: '2027-Q1' };
      const [claim] = await keyClaimsFor(server, targetKind, 'acme', id, { type: 'UpdateRecord', changes });
      const claimKey = redisKeyOf(PREFIX, uniquenessKeyOf('acme', targetKind.type, claim!.field, claim!.hash));
      const turnKey = redisKeyOf(PREFIX, recordTurnKeyOf('acme', targetKind.type, id));
      // Another process holds the key the patch claims: the patch takes the record's turn, then waits.
      expect(await redis.set(claimKey, 'another-process', 'PX', 10_000, 'NX')).to.equal('OK');
      const head = await server.store.headPosition();
      const patch = call(server, 'PATCH', `/sales/targets/${id}`, { token, body: changes });
      while ((await redis.exists(turnKey)) === 0) await sleep(5);
      // Its turn runs out meanwhile (as when its renewals fail) and another process takes it.
      await redis.set(turnKey, 'another-process', 'PX', 10_000);
      await redis.del(claimKey);
      const res = await patch;
      expect(res.status, JSON.stringify(res.body)).to.equal(503);
      expect(res.body.code).to.equal('uniqueness_lock_lost');
      expect(res.headers.get('retry-after')).to.equal('1');
      expect(await server.store.headPosition()).to.equal(head);
      expect(await redis.get(turnKey)).to.equal('another-process'); // not released by the loser
      await redis.del(turnKey);
      const again = await call(server, 'PATCH', `/sales/targets/${id}`, { token, body: changes });
      expect(again.status, JSON.stringify(again.body)).to.equal(200);
      expect(await redis.exists(claimKey, turnKey)).to.equal(0);
    });

    it('POST /sales/leads/:id/convert finishes once its first record is written, though its lock is lost after: no lead converted into a missing contact', async () => {
      const token = await tokenFor(server, { tenantId: 'acme', actorId: 'user-ada', roles: ['tenant_admin'] });
      const email = 'converted-fence@example.org';
      const lead = await call(server, 'POST', '/sales/leads', { token, body: { firstName: 'Lea', lastName: 'Fence', email, company: 'Fence Ltd' } });
      const type = RECORD_RESOURCES.find((r) => r.path === '/sales/contacts')!.kind.type;
      const redisKey = redisKeyOf(PREFIX, uniquenessKeyOf('acme', type, 'email', tenantLookupHash(server.keyStore, 'acme', 'email', email)));
      const append = server.store.append;
      // Another process takes the email's key right after the lead's own event is appended.
      server.store.append = async (stream, events, options) => {
        const result = await append(stream, events, options);
        if (events.some((e) => e.type === 'LeadConverted')) await redis.set(redisKey, 'another-process', 'PX', 10_000);
        return result;
      };
      try {
        const res = await call(server, 'POST', `/sales/leads/${lead.body.id}/convert`, { token, body: {} });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        const contact = await call(server, 'GET', `/sales/contacts/${res.body.contactId}`, { token });
        expect([contact.status, contact.body.email]).to.deep.equal([200, email]);
        expect((await call(server, 'GET', `/sales/accounts/${res.body.accountId}`, { token })).status).to.equal(200);
      } finally {
        server.store.append = append;
        await redis.del(redisKey);
      }
    });

    it('POST /sales/contacts/:id/merge appends nothing when its lock on one contact went to another process while it waited for the other\'s: 503 uniqueness_lock_lost', async () => {
      const token = await tokenFor(server, { tenantId: 'acme', actorId: 'user-ada', roles: ['tenant_admin'] });
      const contact = async (email: string) => (await call(server, 'POST', '/sales/contacts', { token, body: { firstName: 'Ada', lastName: 'Merge', email } })).body.id as string;
      const [winnerId, loserId] = [await contact('merge-a@example.org'), await contact('merge-b@example.org')];
      // The merge takes its two keys in order: another process holds the second, so it holds the first and waits.
      const [first, second] = [winnerId, loserId].map((id) => `acme/contact-merge/${id}`).sort().map((k) => redisKeyOf(PREFIX, k));
      expect(await redis.set(second!, 'another-process', 'PX', 10_000, 'NX')).to.equal('OK');
      const head = await server.store.headPosition();
      const merge = call(server, 'POST', `/sales/contacts/${winnerId}/merge`, { token, body: { loserId } });
      while ((await redis.exists(first!)) === 0) await sleep(5);
      await redis.set(first!, 'another-process', 'PX', 10_000);
      await redis.del(second!);
      const res = await merge;
      expect(res.status, JSON.stringify(res.body)).to.equal(503);
      expect(res.body.code).to.equal('uniqueness_lock_lost');
      expect(await server.store.headPosition()).to.equal(head);
      await redis.del(first!);
      expect((await call(server, 'POST', `/sales/contacts/${winnerId}/merge`, { token, body: { loserId } })).status).to.equal(200);
    });
  });
});
