/**
 * Composition root: opens the stores named by the configuration, builds the Koa app and listens.
 * `stop()` drains: readiness turns 503, the listener stops accepting, in-flight requests finish
 * (up to the grace period), running jobs finish, pending appends commit, then the databases close.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { openEventStore } from './events/log/open.js';
import type { EventStore } from './events/log/port.js';
import { createApp } from './http/app.js';
import { openJobQueue } from './jobs/open.js';
import type { JobQueue } from './jobs/port.js';
import { registerJobs } from './jobs/registry.js';

export type RunningServer = { url: string; port: number; store: EventStore; jobs: JobQueue; stop: () => Promise<void> };

export const startServer = async (config: Config, logger: Logger): Promise<RunningServer> => {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const store = await openEventStore(config);
  // Jobs: with Redis the API only enqueues (the worker consumes); without it they run here.
  const jobs = await openJobQueue(config, logger);
  registerJobs(jobs, { config, logger, queue: jobs });
  if (jobs.kind === 'in-process') await jobs.start();
  let draining = false;
  const app = createApp({
    logger,
    isDraining: () => draining,
    readiness: [{ name: 'eventStore', check: () => store.ping() }],
  });
  const server = app.listen(config.port);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, store: store.kind, dataDir: config.dataDir }, 'listening');

  const stop = async (): Promise<void> => {
    if (draining) return;
    draining = true;
    // 1. stop accepting; 2. let in-flight requests finish within the grace period; 3. close jobs and stores.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const grace = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownGraceMs).unref());
    await Promise.race([closed, grace]);
    server.closeAllConnections();
    await jobs.close();
    await store.close();
    logger.info('stopped');
  };
  return { url: `http://127.0.0.1:${port}`, port, store, jobs, stop };
};
