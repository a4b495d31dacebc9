/**
 * The job kinds of the system. Each module that has background work exports a `JobDefinition`
 * (built with `defineJob`) and appends it to `JOB_DEFINITIONS` below. The API process and the
 * worker both call `registerJobs`: the API to enqueue (BullMQ) or run them (in-process), the
 * worker to consume them.
 */
import type { JobQueue } from './port.js';
import type { JobDefinition, JobDeps } from './define.js';
import { rebuildJob } from '../projections/requests.js';
import { retentionSweepJob } from './retention-sweep.js';
import { quoteAcceptedJob, quoteExpiryJob, quoteReaction } from './sales/quotes.js';
import { activityReminderJob, activityReminderReaction } from './sales/activities.js';
import type { Reaction } from './reactions.js';

export { defineJob, type JobDefinition, type JobDeps } from './define.js';

/** Every job kind. */
export const JOB_DEFINITIONS: readonly JobDefinition[] = [rebuildJob, retentionSweepJob, quoteExpiryJob, quoteAcceptedJob, activityReminderJob];

/** Registers the definitions (all of them by default) on the queue; returns their names. */
export const registerJobs = (
  queue: JobQueue,
  deps: JobDeps,
  definitions: readonly JobDefinition[] = JOB_DEFINITIONS,
): string[] => {
  for (const definition of definitions) queue.register(definition.name, definition.handler(deps), definition.options);
  return definitions.map((definition) => definition.name);
};

/** The kinds a standalone worker consumes: all but those the API process hosts. */
export const WORKER_JOBS: readonly JobDefinition[] = JOB_DEFINITIONS.filter((d) => d.hostedBy !== 'api');

/** The kinds the API process consumes itself when the queue is BullMQ. */
export const API_HOSTED_JOBS: readonly JobDefinition[] = JOB_DEFINITIONS.filter((d) => d.hostedBy === 'api');

/** The jobs events call for, enqueued again from the log by the API (`reactions.ts`). */
export const JOB_REACTIONS: readonly Reaction[] = [quoteReaction, activityReminderReaction];
