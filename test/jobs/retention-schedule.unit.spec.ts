import { expect } from 'chai';
import { scheduleRetentionSweeps } from '../../src/jobs/retention-schedule.js';
import { capturedLogger } from './support.js';

describe('scheduleRetentionSweeps', () => {
  it('enqueues one sweep per tenant at start, with an id per UTC day so a restart enqueues nothing new', async () => {
    const enqueued: Array<{ name: string; data: unknown; id: string | undefined }> = [];
    const queue = { enqueue: async (name: string, data: object, options?: { id?: string }) => (enqueued.push({ name, data, id: options?.id }), { id: options?.id ?? '' }) };
    const options = { queue, tenants: () => ['acme', 'globex'], clock: () => new Date('2026-11-23T23:59:00Z'), logger: capturedLogger().logger };
    const schedule = scheduleRetentionSweeps(options);
    schedule.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(enqueued).to.deep.equal([
      { name: 'compliance.retention-sweep', data: { tenantId: 'acme', sweepId: 'retention-sweep.acme.2026-11-23' }, id: 'retention-sweep.acme.2026-11-23' },
      { name: 'compliance.retention-sweep', data: { tenantId: 'globex', sweepId: 'retention-sweep.globex.2026-11-23' }, id: 'retention-sweep.globex.2026-11-23' },
    ]);
  });

  it('logs, without throwing, a sweep the queue refuses', async () => {
    const { logger, lines } = capturedLogger();
    const queue = { enqueue: async () => Promise.reject(new Error('queue down')) };
    scheduleRetentionSweeps({ queue, tenants: () => ['acme'], clock: () => new Date(), logger }).stop();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(lines.join('')).to.include('retention sweep not enqueued');
  });
});
