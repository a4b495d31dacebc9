import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createBullMqJobQueue } from '../../src/jobs/bullmq.js';
import type { JobQueue } from '../../src/jobs/port.js';
import { createLogger } from '../../src/logger.js';
import { jobQueueContract } from './contract.js';
import { connect, deleteKeys, dump, keysOf, REDIS_URL, uniquePrefix } from './redis.js';
import { eventually, sleep } from './support.js';

const prefixes = new Map<JobQueue, string>();
let redis: Redis;

before(() => {
  redis = connect();
});
after(async () => redis.quit());

jobQueueContract('BullMQ', {
  open: async ({ logger, retention }) => {
    const prefix = uniquePrefix();
    const queue = createBullMqJobQueue({ url: REDIS_URL, prefix, logger, retention });
    prefixes.set(queue, prefix);
    return queue;
  },
  dispose: async (queue) => {
    await queue.close();
    await deleteKeys(redis, prefixes.get(queue)!);
    prefixes.delete(queue);
  },
});

describe('BullMQ: Redis contents', function () {
  let prefix: string;
  let queue: JobQueue;
  beforeEach(() => {
    prefix = uniquePrefix();
    queue = createBullMqJobQueue({
      url: REDIS_URL,
      prefix,
      logger: createLogger('silent'),
      retention: { completed: { ageSeconds: 3600, count: 1 }, failed: { ageSeconds: 3600, count: 1 } },
    });
  });
  afterEach(async () => {
    await queue.close();
    await deleteKeys(redis, prefix);
    expect(await keysOf(redis, prefix)).to.deep.equal([]);
  });

  it('keeps no job payload in Redis beyond the retention bound', async () => {
    queue.register('test.keep', async () => undefined);
    queue.register('test.fail', async () => Promise.reject(new Error('nope')), { attempts: 2, backoffMs: 10 });
    await queue.start();
    const payloads: Record<string, string[]> = { 'test.keep': [], 'test.fail': [] };
    for (const [name, state] of [['test.keep', 'completed'], ['test.fail', 'failed']] as const) {
      for (let i = 0; i < 3; i += 1) {
        const secret = `payload-${randomUUID()}`;
        payloads[name]!.push(secret);
        const { id } = await queue.enqueue(name, { secret });
        await eventually(`${name} #${i} to finish`, async () => (await queue.get(name, id))?.state === state);
        await sleep(5); // finish times in distinct ms: BullMQ breaks ties by job id, not by age
      }
    }
    const contents = await dump(redis, prefix);
    for (const secrets of Object.values(payloads)) {
      expect(contents).not.to.contain(secrets[0]).and.not.to.contain(secrets[1]);
      expect(contents, 'the retained last job (sanity check of the dump)').to.contain(secrets[2]);
    }
  });
});
