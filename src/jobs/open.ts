import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createInProcessJobQueue } from './in-process.js';
import type { JobQueue, Retention } from './port.js';

/** The Redis key prefix of this deployment's queues (a separate Redis database separates deployments). */
export const JOB_QUEUE_PREFIX = 'crm';

export type OpenJobQueueOptions = { prefix?: string; retention?: Retention };

/**
 * The queue the configuration names: BullMQ when `REDIS_URL` is set (bullmq is loaded only then),
 * otherwise the in-process runner. Register the job kinds next, then `start()` in the consumer.
 */
export const openJobQueue = async (
  config: Pick<Config, 'redisUrl'>,
  logger: Logger,
  options: OpenJobQueueOptions = {},
): Promise<JobQueue> => {
  if (config.redisUrl) {
    const { createBullMqJobQueue } = await import('./bullmq.js');
    const prefix = options.prefix ?? JOB_QUEUE_PREFIX;
    return createBullMqJobQueue({ url: config.redisUrl, prefix, logger, retention: options.retention });
  }
  return createInProcessJobQueue({ logger, retention: options.retention });
};
