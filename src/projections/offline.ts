/**
 * A rebuild run outside the API's runner: by `npm run crm -- projections rebuild <name>` and by
 * the reporting job. It starts a runner of its own over that one projector and waits for the
 * swap. It works with the API running or stopped: the registry in read.db is shared, every
 * checkpoint move is a compare-and-set, the API's runner reloads when the registry moved under
 * it, and its queries resolve tables through the registry.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { UnavailableError } from '../errors.js';
import { openEventStore } from '../events/log/open.js';
import { openKeyStore } from '../events/personal-data/key-store.js';
import { resolveMasterKey } from '../events/personal-data/master-key.js';
import { projectorNamed } from './all.js';
import { openReadDb } from './read-db.js';
import { startProjections } from './runner.js';
import type { ProjectionStatus } from './status.js';

export type OfflineDeps = { config: Config; logger: Pick<Logger, 'info' | 'warn'> };

/** Rebuilds one projection into new tables, swaps them in, and answers its status after the swap. */
export const rebuildProjection = async ({ config, logger }: OfflineDeps, name: string): Promise<ProjectionStatus> => {
  const projector = projectorNamed(name);
  // 1. open the stores; 2. run this projector alone; 3. rebuild and wait for the swap; 4. close all.
  const store = await openEventStore(config);
  const keyStore = openKeyStore(join(config.dataDir, 'keys.db'), resolveMasterKey(config, logger), { masterRecording: 'never' });
  const readDb = openReadDb(config.dataDir, {
    onCheckpointerFailure: (err) => logger.warn({ err }, 'read.db checkpointer thread failed: the rebuild checkpoints by itself'),
  });
  try {
    const runner = await startProjections({ store, keyStore, readDb, projectors: [projector], logger, pollMs: 250 });
    try {
      const outcome = await (await runner.rebuild(name)).done;
      if (outcome !== 'swapped') throw new UnavailableError('rebuild_interrupted', `The rebuild of ${name} was interrupted`);
      return (await runner.status())[0]!;
    } finally {
      await runner.close();
    }
  } finally {
    await readDb.close();
    keyStore.close();
    await store.close();
  }
};

