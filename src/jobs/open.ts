import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createInProcessJobQueue } from './in-process.js';
import type { JobQueue, Retention } from './port.js';

/** The in-process runner's store of unfinished jobs, under `DATA_DIR`. */
export const JOBS_FILE = 'jobs.db';

export type OpenJobQueueOptions = { retention?: Retention };

/**
 * The queue the configuration names: BullMQ when `REDIS_URL` is set (bullmq is loaded only then;
 * its keys are `<REDIS_KEY_PREFIX>:<kind>:…`),
 * otherwise the in-process runner, keeping its unfinished jobs in `DATA_DIR/jobs.db` when given a
 * data directory. Register the job kinds next, then `start()` in the consumer.
 */
export const openJobQueue = async (
  config: Pick<Config, 'redisUrl' | 'redisKeyPrefix'> & Partial<Pick<Config, 'dataDir'>>,
  logger: Logger,
  options: OpenJobQueueOptions = {},
): Promise<JobQueue> => {
  if (config.redisUrl) {
    const { createBullMqJobQueue } = await import('./bullmq.js');
    return createBullMqJobQueue({ url: config.redisUrl, prefix: config.redisKeyPrefix, logger, retention: options.retention });
  }
  const file = config.dataDir === undefined ? undefined : join(config.dataDir, JOBS_FILE);
  return createInProcessJobQueue({ logger, retention: options.retention, ...(file ? { file } : {}) });
};
