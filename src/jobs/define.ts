/** How a job kind is declared (apart from the registry, so modules declaring jobs import no cycle). */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { ReadModel } from '../http/read-model.js';
import type { ComplianceJobDeps } from './retention-sweep.js';
import type { JobData, JobHandler, JobQueue, KindOptions } from './port.js';

/** What handlers may use; grows as modules need more (stores, mailers…). */
export type JobDeps = {
  config: Config; logger: Logger; queue: JobQueue;
  /** The API process's stores and erasure effects; absent in a standalone worker. */
  compliance?: ComplianceJobDeps;
  /** The API process's read model (to wait until a projection holds a write); absent in a standalone worker. */
  readModel?: Pick<ReadModel, 'waitFor'>;
};

/** One job kind: its name, its retry/concurrency options and how to build its handler. */
export type JobDefinition<D extends JobData = JobData> = {
  name: string;
  options?: KindOptions;
  /**
   * `api`: only the API process runs it (it needs the API's stores and caches, e.g. erasures):
   * with Redis the API consumes this kind itself and the worker leaves it alone. Default `any`.
   */
  hostedBy?: 'api' | 'any';
  handler: (deps: JobDeps) => JobHandler<D>;
};

/** Types a definition by its payload and erases that type so it fits in the registry list. */
export const defineJob = <D extends JobData>(definition: JobDefinition<D>): JobDefinition =>
  definition as unknown as JobDefinition;

