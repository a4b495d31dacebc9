import { expect } from 'chai';
import { createInProcessJobQueue } from '../../../src/jobs/in-process.js';
import type { JobQueue } from '../../../src/jobs/port.js';
import { registerJobs, type JobDeps } from '../../../src/jobs/registry.js';
import { ACTIVITY_REMINDER_JOB, activityReminderJob, scheduleReminder } from '../../../src/jobs/sales/activities.js';
import { call, tokenFor } from '../../support/http.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { onBullMq } from '../redis.js';
import { capturedLogger, eventually } from '../support.js';

const YEAR = new Date().getUTCFullYear();
const REMIND_AT = `${YEAR + 1}-05-04T08:00:00.000Z`;

/** The job run on a queue of its own against a real server's stores (the server's own queue never reaches that time). */
const reminderSuite = (name: string, open: () => JobQueue) =>
  describe(`${name}: job sales.activity-reminder`, () => {
    let server: TestServer;
    let admin = '';
    let queue: JobQueue;
    before(async () => {
      server = await startTestServer();
      admin = await tokenFor(server, { tenantId: 'acme', actorId: 'user-admin', roles: ['tenant_admin'] });
    });
    after(async () => server.dispose());
    beforeEach(async () => {
      queue = open();
      const deps = { config: server.config, logger: capturedLogger().logger, queue, compliance: { store: server.store, keyStore: server.keyStore, readDb: server.readDb.db, kinds: [] } };
      registerJobs(queue, deps as unknown as JobDeps, [activityReminderJob]);
      await queue.start();
    });
    afterEach(async () => queue.close());

    const activity = async () => {
      const opportunity = (await call(server, 'POST', '/sales/opportunities', { token: admin, body: { name: 'Deal' } })).body.id;
      const body = { kind: 'task', subject: 'Renewal', linkedTo: { type: 'opportunity', id: opportunity }, dueAt: REMIND_AT, remindAt: REMIND_AT };
      return (await call(server, 'POST', '/sales/activities', { token: admin, body })).body.id as string;
    };
    const types = async (id: string) =>
      (await call(server, 'GET', `/sales/activities/${id}/history`, { token: admin })).body.data.map((e: { type: string }) => e.type);
    const completed = (id: string) => async () => (await queue.get(ACTIVITY_REMINDER_JOB, id))?.state === 'completed';

    it('records the reminder when its delay has passed, once: a rerun and a stale time append nothing', async () => {
      const id = await activity();
      const data = { tenantId: 'acme', activityId: id, remindAt: REMIND_AT };
      const { id: jobId } = await scheduleReminder(queue, data, new Date(Date.parse(REMIND_AT) - 200));
      expect((await queue.get(ACTIVITY_REMINDER_JOB, jobId))?.state).to.equal('delayed');
      await eventually('the reminder', async () => (await types(id)).includes('ActivityReminderSent'));
      const head = await server.store.headPosition();
      await queue.enqueue(ACTIVITY_REMINDER_JOB, data, { id: `rerun-${id}` });
      const staleTime = `${YEAR + 1}-05-01T08:00:00.000Z`;
      const stale = await scheduleReminder(queue, { ...data, remindAt: staleTime }, new Date(staleTime));
      await eventually('the rerun', completed(`rerun-${id}`));
      await eventually('the stale timer', completed(stale.id));
      expect(await server.store.headPosition()).to.equal(head);
      expect(await types(id)).to.deep.equal(['ActivityCreated', 'ActivityReminderSent']);
    });

    it('does nothing for a cancelled activity', async () => {
      const id = await activity();
      await call(server, 'POST', `/sales/activities/${id}/cancel`, { token: admin, body: { reason: 'Churned' } });
      const { id: jobId } = await scheduleReminder(queue, { tenantId: 'acme', activityId: id, remindAt: REMIND_AT }, new Date(Date.parse(REMIND_AT)));
      await eventually('the timer', completed(jobId));
      expect(await types(id)).to.deep.equal(['ActivityCreated', 'ActivityCancelled']);
    });
  });

reminderSuite('in-process', () => createInProcessJobQueue({ logger: capturedLogger().logger }));

onBullMq((open) => reminderSuite('BullMQ', open));
