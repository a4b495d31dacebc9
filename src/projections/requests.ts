/**
 * Rebuild requests through the log: a reporting job (run by the worker process with Redis, or in
 * the API without it) appends `ProjectionRebuildRequested`, and every API process watching the log
 * rebuilds its own read model (each replica keeps its own read.db). The request is an audit fact
 * like any other: who asked, when, why.
 */
import type { Logger } from 'pino';
import { eventIdFor } from '../commands/event-ids.js';
import { defineJob } from '../jobs/define.js';
import { openEventStore } from '../events/log/open.js';
import type { EventStore } from '../events/log/port.js';
import { streamName } from '../events/log/stream-name.js';
import { projectorNamed } from './all.js';
import type { ProjectionRunner } from './runner.js';

export const REBUILD_REQUESTED = 'ProjectionRebuildRequested';

/** Who asks for a rebuild, and the id that makes asking twice append once. */
export type RebuildRequest = { name: string; requestId: string; actorId: string; reason: string; now: Date };

/** Appends the request (idempotent per `requestId`); answers its position. */
export const requestRebuild = async (store: EventStore, request: RebuildRequest): Promise<bigint> => {
  const { name } = projectorNamed(request.name);
  const metadata = { tenantId: 'platform', actorId: request.actorId, occurredAt: request.now.toISOString(), correlationId: request.requestId };
  const event = { id: eventIdFor(request.requestId, 0), type: REBUILD_REQUESTED, schemaVersion: 1, data: { name, reason: request.reason }, metadata };
  return (await store.append(streamName('platform', 'platform.projection', name.replace(/\./g, '-')), [event])).position;
};

/** Rebuilds this process's read model for each request appended after the watch begins. */
export const watchRebuildRequests = async (store: EventStore, runner: ProjectionRunner, logger: Pick<Logger, 'info' | 'warn'>) => {
  const subscription = store.subscribeToAll({ after: await store.headPosition() });
  const done = (async () => {
    for await (const event of subscription) {
      if (event.type !== REBUILD_REQUESTED || typeof event.data.name !== 'string') continue;
      const ticket = await runner.rebuild(event.data.name).catch((error: unknown) => void logger.warn({ err: error }, 'rebuild request refused'));
      if (ticket) logger.info({ projection: ticket.projection, generation: ticket.generation, position: String(event.position) }, 'rebuild requested through the log');
    }
  })().catch((error: unknown) => void logger.warn({ err: error }, 'rebuild requests are no longer watched: the log could not be followed'));
  return { close: async () => (await subscription.close(), await done) };
};

/** The reporting jobs' trigger: `projections.rebuild` with `{ name, reason? }`. */
export const rebuildJob = defineJob<{ name: string; reason?: string }>({
  name: 'projections.rebuild',
  options: { attempts: 3, backoffMs: 5_000 },
  handler: (deps) => async (job) => {
    const store = await openEventStore(deps.config);
    try {
      const request = { name: job.data.name, requestId: `job-${job.id}`, actorId: 'jobs', reason: job.data.reason ?? 'reporting job', now: new Date() };
      const position = await requestRebuild(store, request);
      deps.logger.info({ projection: request.name, position: String(position), jobId: job.id }, 'projection rebuild requested');
    } finally {
      await store.close();
    }
  },
});
