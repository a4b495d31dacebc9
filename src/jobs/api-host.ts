/**
 * The API process's side of the job queue. It registers every kind on its queue (enqueueing
 * needs them). In process (no Redis) it runs them all. With Redis it only enqueues there: the
 * worker consumes the ordinary kinds, and the API consumes the kinds it hosts (`hostedBy: 'api'`,
 * which need its stores and caches) through a second queue. Answers how to stop that consumer.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { JobDeps } from './define.js';
import { openJobQueue } from './open.js';
import type { JobQueue } from './port.js';
import { API_HOSTED_JOBS, registerJobs } from './registry.js';

export const hostApiJobs = async (config: Config, logger: Logger, queue: JobQueue, deps: JobDeps): Promise<() => Promise<void>> => {
  registerJobs(queue, deps);
  if (queue.kind === 'in-process') {
    await queue.start();
    return async () => {};
  }
  const hosted = await openJobQueue(config, logger);
  registerJobs(hosted, deps, API_HOSTED_JOBS);
  await hosted.start();
  return () => hosted.close();
};
