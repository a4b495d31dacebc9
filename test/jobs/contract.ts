/**
 * The one behaviour suite every JobQueue implementation passes. Backoffs are tens of ms so the
 * suite runs in seconds; each test opens its own queue (its own Redis prefix for BullMQ).
 */
import { expect } from 'chai';
import type { Logger } from 'pino';
import { ConflictError, InvalidInputError, UnavailableError } from '../../src/errors.js';
import type { JobContext, JobData, JobQueue, Retention } from '../../src/jobs/port.js';
import { caught } from '../support/caught.js';
import { capturedLogger, deferred, eventually, sleep } from './support.js';

export type QueueFixture = {
  open(options: { logger: Logger; retention?: Retention }): Promise<JobQueue>;
  dispose(queue: JobQueue): Promise<void>;
};

type Run = JobContext & { at: number };

const small = (count: number): Retention => ({
  completed: { ageSeconds: 3600, count },
  failed: { ageSeconds: 3600, count },
});

export const jobQueueContract = (label: string, fixture: QueueFixture): void => {
  describe(`${label}: job queue contract`, function () {
    let queue: JobQueue;
    let runs: Run[];
    let log: ReturnType<typeof capturedLogger>;
    const open = async (retention?: Retention) => {
      queue = await fixture.open({ logger: log.logger, retention });
      return queue;
    };
    const recorder = (fail: (job: JobContext) => boolean = () => false) => async (job: JobContext) => {
      runs.push({ ...job, at: Date.now() });
      if (fail(job)) throw new Error(`failure on attempt ${job.attempt}`);
    };
    const state = async (name: string, id: string) => (await queue.get(name, id))?.state;

    beforeEach(async () => {
      runs = [];
      log = capturedLogger();
      await open();
    });
    afterEach(async () => fixture.dispose(queue));

    it('runs a job once with its data', async () => {
      queue.register('test.echo', recorder());
      await queue.start();
      const data: JobData = { greeting: 'hello', count: 2, tags: ['a', 'b'], nested: { ok: true } };
      const { id } = await queue.enqueue('test.echo', data);
      await eventually('the job to complete', async () => (await state('test.echo', id)) === 'completed');
      await sleep(100);
      expect(runs.map(({ at: _, ...job }) => job)).to.deep.equal([{ id, name: 'test.echo', data, attempt: 1 }]);
      expect(await queue.get('test.echo', id)).to.deep.equal({
        id, name: 'test.echo', state: 'completed', attemptsMade: 1, failedReason: undefined,
      });
    });

    it('retries a failing handler with exponential backoff until it succeeds (3rd attempt)', async () => {
      queue.register('test.flaky', recorder((job) => job.attempt < 3), { attempts: 5, backoffMs: 40 });
      await queue.start();
      const { id } = await queue.enqueue('test.flaky', { n: 1 });
      await eventually('the job to complete', async () => (await state('test.flaky', id)) === 'completed');
      expect(runs.map((r) => r.attempt)).to.deep.equal([1, 2, 3]);
      const [first, second, third] = runs.map((r) => r.at) as [number, number, number];
      expect(second - first).to.be.at.least(40);
      expect(third - second).to.be.at.least(80);
      expect((await queue.get('test.flaky', id))?.attemptsMade).to.equal(3);
    });

    it('records a job failed after `attempts` tries, and logs it without its data', async () => {
      queue.register('test.broken', recorder(() => true), { attempts: 3, backoffMs: 10 });
      await queue.start();
      const { id } = await queue.enqueue('test.broken', { email: 'someone@example.com', note: 'personal-note-xyz' });
      await eventually('the job to fail', async () => (await state('test.broken', id)) === 'failed');
      await sleep(100);
      expect(runs.map((r) => r.attempt)).to.deep.equal([1, 2, 3]);
      expect(await queue.get('test.broken', id)).to.deep.equal({
        id, name: 'test.broken', state: 'failed', attemptsMade: 3, failedReason: 'failure on attempt 3',
      });
      const final = log.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'job failed after its last attempt');
      expect(final).to.have.length(1);
      expect(final[0]).to.include({ kind: 'test.broken', jobId: id, attemptsMade: 3, reason: 'failure on attempt 3' });
      expect(log.lines.join('\n')).not.to.contain('personal-note-xyz').and.not.to.contain('someone@example.com');
    });

    it('keeps at most the retention bound of completed and failed jobs', async () => {
      await fixture.dispose(queue);
      await open(small(2));
      queue.register('test.ok', recorder());
      queue.register('test.ko', recorder(() => true), { attempts: 1 });
      await queue.start();
      for (const name of ['test.ok', 'test.ko']) {
        for (const id of ['j-1', 'j-2', 'j-3']) {
          await queue.enqueue(name, { id }, { id });
          const finished = async () => ['completed', 'failed'].includes((await state(name, id)) ?? '');
          await eventually(`${name} ${id} to finish`, finished);
          await sleep(5); // BullMQ orders finished jobs by finish time in ms (ties by id): keep them apart
        }
        expect(await queue.get(name, 'j-1')).to.equal(undefined);
        expect(await state(name, 'j-2')).to.equal(name === 'test.ok' ? 'completed' : 'failed');
        expect(await state(name, 'j-3')).to.equal(name === 'test.ok' ? 'completed' : 'failed');
      }
    });

    it('runs a job once when the same id is enqueued twice (pending, then retained)', async () => {
      queue.register('test.once', recorder());
      expect(await queue.enqueue('test.once', { n: 1 }, { id: 'dup-1' })).to.deep.equal({ id: 'dup-1' });
      expect(await queue.enqueue('test.once', { n: 2 }, { id: 'dup-1' })).to.deep.equal({ id: 'dup-1' });
      await queue.start();
      await eventually('the job to complete', async () => (await state('test.once', 'dup-1')) === 'completed');
      await queue.enqueue('test.once', { n: 3 }, { id: 'dup-1' });
      await sleep(150);
      expect(runs.map((r) => r.data)).to.deep.equal([{ n: 1 }]);
    });

    it('runs a delayed job no earlier than its delay', async () => {
      queue.register('test.later', recorder());
      await queue.start();
      const enqueuedAt = Date.now();
      const { id } = await queue.enqueue('test.later', {}, { delayMs: 300 });
      expect(await state('test.later', id)).to.equal('delayed');
      await eventually('the job to run', () => runs.length === 1);
      expect(runs[0]!.at - enqueuedAt).to.be.at.least(300);
    });

    it('runs at most `concurrency` jobs of a kind at once', async () => {
      let active = 0;
      let peak = 0;
      queue.register('test.busy', async () => {
        peak = Math.max(peak, ++active);
        await sleep(80);
        active -= 1;
      }, { concurrency: 2 });
      await queue.start();
      const ids = await Promise.all([1, 2, 3, 4, 5].map((n) => queue.enqueue('test.busy', { n })));
      await eventually('all jobs to complete', async () =>
        (await Promise.all(ids.map(({ id }) => state('test.busy', id)))).every((s) => s === 'completed'));
      expect(peak).to.equal(2);
    });

    it('close() waits for a running job, then refuses new ones', async () => {
      const started = deferred();
      let finished = false;
      queue.register('test.slow', async () => {
        started.resolve();
        await sleep(300);
        finished = true;
      });
      await queue.start();
      await queue.enqueue('test.slow', {});
      await started.promise;
      await queue.close();
      expect(finished).to.equal(true);
      const error = await caught(queue.enqueue('test.slow', {}));
      expect(error).to.be.instanceOf(UnavailableError).and.to.include({ code: 'job_queue_closed' });
    });

    it('refuses an unknown job name, a malformed id and registering after start', async () => {
      queue.register('test.known', recorder());
      const unknown = await caught(queue.enqueue('test.unknown', {}));
      expect(unknown).to.be.instanceOf(InvalidInputError).and.to.include({ code: 'unknown_job' });
      for (const id of ['a:b', '12345', '', 'x'.repeat(129)]) {
        const bad = await caught(queue.enqueue('test.known', {}, { id }));
        expect(bad, id).to.be.instanceOf(InvalidInputError).and.to.include({ code: 'invalid_job_options' });
      }
      await queue.start();
      expect(() => queue.register('test.late', recorder())).to.throw(ConflictError);
      expect(queue.kinds()).to.deep.equal(['test.known']);
    });

    it('removes jobs by id and by predicate, pending or retained', async () => {
      queue.register('test.gdpr', recorder());
      await queue.start();
      await queue.enqueue('test.gdpr', { contact: 'c1' }, { id: 'done-1' });
      await eventually('the job to complete', async () => (await state('test.gdpr', 'done-1')) === 'completed');
      await queue.enqueue('test.gdpr', { contact: 'c1' }, { id: 'later-1', delayMs: 60_000 });
      await queue.enqueue('test.gdpr', { contact: 'c2' }, { id: 'later-2', delayMs: 60_000 });
      expect(await queue.removeWhere((job) => job.data.contact === 'c1')).to.equal(2);
      expect(await queue.get('test.gdpr', 'done-1')).to.equal(undefined);
      expect(await queue.get('test.gdpr', 'later-1')).to.equal(undefined);
      expect(await queue.remove('later-2')).to.equal(true);
      expect(await queue.remove('later-2')).to.equal(false);
      expect(await queue.get('test.gdpr', 'later-2')).to.equal(undefined);
    });
  });
};
