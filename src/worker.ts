/**
 * `npm run worker`: consumes the BullMQ job queue named by REDIS_URL and stops cleanly on
 * SIGTERM/SIGINT (running jobs finish first). Without REDIS_URL it refuses to start: jobs then run
 * in-process inside the API (`npm start`), and a second process would have nothing to consume.
 */
import type { Logger } from 'pino';
import { loadConfig, type Config } from './config.js';
import { ConfigError } from './errors.js';
import { openJobQueue } from './jobs/open.js';
import type { JobQueue } from './jobs/port.js';
import { registerJobs, WORKER_JOBS } from './jobs/registry.js';
import { createLogger } from './logger.js';

/** Exit status for a configuration problem (sysexits EX_CONFIG), as `src/main.ts` uses. */
const EX_CONFIG = 78;

const configOrExit = (): Config & { redisUrl: string } => {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(EX_CONFIG);
  }
  if (config.redisUrl === undefined) {
    process.stderr.write(
      'REDIS_URL is not set: the worker consumes jobs from Redis. Without Redis, jobs run inside the API process ' +
        '(npm start); do not start a worker.\n',
    );
    process.exit(EX_CONFIG);
  }
  return { ...config, redisUrl: config.redisUrl };
};

/** On SIGTERM/SIGINT: close the queue (running jobs finish first), then exit 0. */
const stopOnSignal = (queue: JobQueue, logger: Logger, keepAlive: NodeJS.Timeout): void => {
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    queue.close().then(
      () => {
        clearInterval(keepAlive);
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
};

const main = async (): Promise<void> => {
  const config = configOrExit();
  const logger = createLogger(config.logLevel);
  const queue = await openJobQueue(config, logger);
  const kinds = registerJobs(queue, { config, logger, queue }, WORKER_JOBS);
  await queue.start();
  // With no kind registered nothing holds the event loop open; the worker still waits for its signal.
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  stopOnSignal(queue, logger, keepAlive);
  logger.info({ kinds, queue: queue.kind }, 'worker started');
};

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
