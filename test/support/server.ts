import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { TEST_REDIS_KEY_PREFIX } from './redis-prefix.js';

export type TestServer = RunningServer & { config: Config; dataDir: string; logs: string[]; dispose: () => Promise<void> };

/**
 * The real server on an ephemeral port over a temporary DATA_DIR; logs are kept for assertions.
 * With `env.DATA_DIR` it opens that directory instead (a restart) and `dispose` leaves it in place.
 * Its Redis keys (with `REDIS_URL`) are under this run's prefix unless `env.REDIS_KEY_PREFIX` says otherwise.
 */
export const startTestServer = async (env: Record<string, string> = {}): Promise<TestServer> => {
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'crm-test-'));
  const config: Config = loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', SHUTDOWN_GRACE_MS: '2000', REDIS_KEY_PREFIX: TEST_REDIS_KEY_PREFIX, ...env });
  const logs: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) });
  const server = await startServer(config, createLogger(config.logLevel, sink));
  const dispose = async () => {
    await server.stop();
    if (env.DATA_DIR === undefined) rmSync(dataDir, { recursive: true, force: true });
  };
  return { ...server, config, dataDir, logs, dispose };
};
