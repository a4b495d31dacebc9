import { join } from 'node:path';
import type { Config } from '../../config.js';
import type { EventStore } from './port.js';
import { openSqliteEventStore } from './sqlite.js';

/**
 * The store the configuration names: EventStoreDB when `EVENTSTORE_URL` is set (its client is
 * loaded only then), otherwise the embedded SQLite store at `DATA_DIR/events.db`.
 */
export const openEventStore = async (config: Pick<Config, 'eventStoreUrl' | 'dataDir'>): Promise<EventStore> => {
  if (config.eventStoreUrl) {
    const { openEventStoreDbStore } = await import('./eventstoredb.js');
    return openEventStoreDbStore(config.eventStoreUrl);
  }
  return openSqliteEventStore(join(config.dataDir, 'events.db'));
};
