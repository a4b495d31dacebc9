/** `npm start`: validate the configuration, start the server, stop cleanly on SIGTERM/SIGINT. */
import { loadConfig } from './config.js';
import { AppError, ConfigError } from './errors.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';

const main = async (): Promise<void> => {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  const logger = createLogger(config.logLevel);
  const server = await startServer(config, logger);
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
};

/** Failures an operator fixes in the environment (exit 78, one message): the rest are bugs, with their stack (exit 1). */
const isEnvironmental = (error: unknown): boolean =>
  (error instanceof AppError && ['data_dir_in_use', 'master_key_mismatch', 'invalid_configuration'].includes(error.code)) ||
  ['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST', 'EADDRINUSE', 'SQLITE_CANTOPEN', 'SQLITE_READONLY'].includes((error as { code?: string }).code ?? '');

main().catch((error: unknown) => {
  if (isEnvironmental(error)) {
    process.stderr.write(`Cannot start: ${(error as Error).message}\n`);
    process.exit(78);
  }
  process.stderr.write(`Failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
