import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config.js';
import type { EventStore, RecordedEvent } from '../log/port.js';
import { openKeyStore } from './key-store.js';
import { MASTER_KEY_FILE, readKeyFile } from './master-key.js';
import type { ReadableEvent } from './read.js';
import { readableEvents } from './stream-subjects.js';

/** How an operator tool reads events (of `store`): decrypted when it can, as stored otherwise. */
export type OfflineReader = {
  decrypts: boolean;
  read: (store: EventStore, events: readonly RecordedEvent[]) => Promise<ReadonlyArray<RecordedEvent | ReadableEvent>>;
  close: () => void;
};

/**
 * Decrypts with the key store when a master key is at hand (`CRM_MASTER_KEY`, or the development
 * key file) and `DATA_DIR/keys.db` exists; never generates a master key nor creates a key store,
 * so without them events are read as stored (personal fields as ciphertext).
 */
export const openOfflineReader = (config: Pick<Config, 'dataDir' | 'masterKey'>): OfflineReader => {
  const masterKey = config.masterKey ?? readKeyFile(join(config.dataDir, MASTER_KEY_FILE));
  const keysFile = join(config.dataDir, 'keys.db');
  if (!masterKey || !existsSync(keysFile)) return { decrypts: false, read: async (_store, events) => events, close: () => undefined };
  const keyStore = openKeyStore(keysFile, masterKey, { masterRecording: 'never' });
  return { decrypts: true, read: (store, events) => readableEvents(store, keyStore, events), close: () => keyStore.close() };
};
