import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createInProcessJobQueue } from './in-process.js';
import type { JobQueue, Retention } from './port.js';

/** The Redis key prefix of this deployment's queues (a separate Redis database separates deployments). */
export const JOB_QUEUE_PREFIX = 'crm';

/** The in-process runner's store of unfinished jobs, under `DATA_DIR`. */
export const JOBS_FILE = 'jobs.db';

export type OpenJobQueueOptions = { prefix?: string; retention?: Retention };

/**
 * The queue the configuration names: BullMQ when `REDIS_URL` is set (bullmq is loaded only then),
 * otherwise the in-process runner, keeping its unfinished jobs in `DATA_DIR/jobs.db` when given a
 * data directory. Register the job kinds next, then `start()` in the consumer.
 */
export const openJobQueue = async (
  config: Pick<Config, 'redisUrl'> & Partial<Pick<Config, 'dataDir'>>,
  logger: Logger,
  options: OpenJobQueueOptions = {},
): Promise<JobQueue> => {
  if (config.redisUrl) {
    const { createBullMqJobQueue } = await import('./bullmq.js');
    const prefix = options.prefix ?? JOB_QUEUE_PREFIX;
    return createBullMqJobQueue({ url: config.redisUrl, prefix, logger, retention: options.retention });
  }
  const file = config.dataDir === undefined ? undefined : join(config.dataDir, JOBS_FILE);
  return createInProcessJobQueue({ logger, retention: options.retention, ...(file ? { file } : {}) });
};
