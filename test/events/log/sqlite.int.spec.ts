import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventStore } from '../../../src/events/log/sqlite.js';
import { eventStoreContract } from './contract.js';

const dirs = new Map<object, string>();

eventStoreContract('SQLite', {
  open: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-events-'));
    const store = openSqliteEventStore(join(dir, 'events.db'));
    dirs.set(store, dir);
    return store;
  },
  dispose: async (store) => {
    await store.close();
    rmSync(dirs.get(store)!, { recursive: true, force: true });
  },
});
