/**
 * The job kinds of the system. Each module that has background work exports a `JobDefinition`
 * (built with `defineJob`) and appends it to `JOB_DEFINITIONS` below. The API process and the
 * worker both call `registerJobs`: the API to enqueue (BullMQ) or run them (in-process), the
 * worker to consume them.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { JobData, JobHandler, JobQueue, KindOptions } from './port.js';

/** What handlers may use; grows as modules need more (stores, mailers…). */
export type JobDeps = { config: Config; logger: Logger; queue: JobQueue };

/** One job kind: its name, its retry/concurrency options and how to build its handler. */
export type JobDefinition<D extends JobData = JobData> = {
  name: string;
  options?: KindOptions;
  handler: (deps: JobDeps) => JobHandler<D>;
};

/** Types a definition by its payload and erases that type so it fits in the registry list. */
export const defineJob = <D extends JobData>(definition: JobDefinition<D>): JobDefinition =>
  definition as unknown as JobDefinition;

/** Every job kind; empty until a module brings a real job. */
export const JOB_DEFINITIONS: readonly JobDefinition[] = [];

/** Registers the definitions (all of them by default) on the queue; returns their names. */
export const registerJobs = (
  queue: JobQueue,
  deps: JobDeps,
  definitions: readonly JobDefinition[] = JOB_DEFINITIONS,
): string[] => {
  for (const definition of definitions) queue.register(definition.name, definition.handler(deps), definition.options);
  return definitions.map((definition) => definition.name);
};
