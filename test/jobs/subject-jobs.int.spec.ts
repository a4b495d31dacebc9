import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { createInProcessJobQueue } from '../../src/jobs/in-process.js';
import type { JobQueue } from '../../src/jobs/port.js';
import { jobNamesSubject } from '../../src/jobs/subject-jobs.js';
import { onBullMq } from './redis.js';
import { capturedLogger } from './support.js';

const HOUR = 3_600_000;

const removalSuite = (name: string, open: () => JobQueue, contents?: () => Promise<string>) =>
  describe(`${name}: removeWhere(jobNamesSubject(subjectId))`, () => {
    let queue: JobQueue;
    beforeEach(() => {
      queue = open();
      queue.register('mail.send', async () => undefined);
      queue.register('crm.export', async () => undefined);
    });
    afterEach(async () => queue.close());

    it('removes the pending jobs whose data names the subject at any depth, and only those', async () => {
      const subject = randomUUID();
      await queue.enqueue('mail.send', { to: subject, template: 'welcome' }, { id: 'a-1', delayMs: HOUR });
      await queue.enqueue('crm.export', { tenantId: 'acme', people: [{ subjectId: subject }] }, { id: 'b-1', delayMs: HOUR });
      await queue.enqueue('mail.send', { to: randomUUID(), note: `not ${subject}` }, { id: 'c-1', delayMs: HOUR });
      expect(await queue.removeWhere(jobNamesSubject(subject))).to.equal(2);
      expect(await queue.get('mail.send', 'a-1')).to.equal(undefined);
      expect(await queue.get('crm.export', 'b-1')).to.equal(undefined);
      expect((await queue.get('mail.send', 'c-1'))?.state).to.equal('delayed');
      if (contents) expect(await contents()).not.to.include(`"${subject}"`);
    });
  });

removalSuite('in-process', () => createInProcessJobQueue({ logger: capturedLogger().logger }));

onBullMq((open, contents) => removalSuite('BullMQ', open, contents));
