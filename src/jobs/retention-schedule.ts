/**
 * The retention timer: once at start and then every `intervalMs` (default a day), one sweep per
 * tenant, with the job id `retention-sweep.<tenant>.<UTC date>` so a day's sweep is enqueued once
 * however often the API restarts. A tenant without policies sweeps nothing and records nothing.
 */
import type { Logger } from 'pino';
import type { JobQueue } from './port.js';
import { RETENTION_SWEEP_JOB } from './retention-sweep.js';

export type RetentionSchedule = { stop: () => void };

export type RetentionScheduleOptions = {
  queue: Pick<JobQueue, 'enqueue'>;
  tenants: () => string[];
  clock: () => Date;
  logger: Pick<Logger, 'warn'>;
  intervalMs?: number;
};

const enqueueAll = async (options: RetentionScheduleOptions): Promise<void> => {
  const day = options.clock().toISOString().slice(0, 10);
  for (const tenantId of options.tenants()) {
    const sweepId = `retention-sweep.${tenantId}.${day}`;
    await options.queue.enqueue(RETENTION_SWEEP_JOB, { tenantId, sweepId }, { id: sweepId }).catch((error: unknown) => {
      options.logger.warn({ tenantId, reason: (error as Error).message }, 'retention sweep not enqueued');
    });
  }
};

export const scheduleRetentionSweeps = (options: RetentionScheduleOptions): RetentionSchedule => {
  const tick = () => void enqueueAll(options);
  tick();
  const timer = setInterval(tick, options.intervalMs ?? 24 * 3_600_000).unref();
  return { stop: () => clearInterval(timer) };
};
