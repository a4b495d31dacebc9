import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInProcessJobQueue } from '../../src/jobs/in-process.js';
import type { JobContext } from '../../src/jobs/port.js';
import { jobQueueContract } from './contract.js';
import { capturedLogger, eventually, sleep } from './support.js';

jobQueueContract('in-process', {
  open: async ({ logger, retention }) => createInProcessJobQueue({ logger, retention }),
  dispose: async (queue) => queue.close(),
});

const dirs: string[] = [];
jobQueueContract('in-process, kept in jobs.db', {
  open: async ({ logger, retention }) => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-jobs-'));
    dirs.push(dir);
    return createInProcessJobQueue({ logger, retention, file: join(dir, 'jobs.db') });
  },
  dispose: async (queue) => {
    await queue.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  },
});

describe('in-process job queue: unfinished jobs across a restart (jobs.db)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'crm-jobs-restart-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = (runs: JobContext[], fail: (job: JobContext) => boolean = () => false) => {
    const log = capturedLogger();
    const queue = createInProcessJobQueue({ logger: log.logger, file: join(dir, 'jobs.db') });
    const handler = async (job: JobContext) => {
      runs.push(job);
      if (fail(job)) throw new Error(`failure on attempt ${job.attempt}`);
    };
    queue.register('test.timer', handler, { attempts: 3, backoffMs: 50 });
    return { queue, log };
  };

  it('runs after the next start a delayed job, and a retry due, that were pending at close; finished ones are not run again', async () => {
    const before: JobContext[] = [];
    const first = open(before, (job) => job.id === 'flaky' && job.attempt === 1);
    await first.queue.start();
    await first.queue.enqueue('test.timer', { n: 1 }, { id: 'done' });
    await first.queue.enqueue('test.timer', { n: 2 }, { id: 'later', delayMs: 400 });
    await first.queue.enqueue('test.timer', { n: 3 }, { id: 'flaky' });
    await eventually('the first attempts', () => before.length === 2);
    await first.queue.close();
    expect(first.log.lines.join('\n')).to.match(/pending jobs are kept for the next start/);
    expect(before.map((j) => j.id).sort()).to.deep.equal(['done', 'flaky']);

    const after: JobContext[] = [];
    const second = open(after);
    await second.queue.start();
    await eventually('the kept jobs', () => after.length === 2);
    await sleep(100);
    expect(after.map((j) => [j.id, j.data.n, j.attempt]).sort()).to.deep.equal([['flaky', 3, 2], ['later', 2, 1]]);
    expect(await second.queue.get('test.timer', 'later')).to.include({ state: 'completed' });
    await second.queue.close();
  });

  it('forgets a removed job for good', async () => {
    const runs: JobContext[] = [];
    const first = open(runs);
    await first.queue.start();
    await first.queue.enqueue('test.timer', { n: 1 }, { id: 'gone', delayMs: 200 });
    expect(await first.queue.remove('gone')).to.equal(true);
    await first.queue.close();
    const second = open(runs);
    await second.queue.start();
    await sleep(400);
    expect(runs).to.deep.equal([]);
    await second.queue.close();
  });
});
