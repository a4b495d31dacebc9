/** Real stores in a temporary directory, a small test projector, and bounded polling for projection tests. */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore, JsonObject, RecordedEvent } from '../../src/events/log/port.js';
import { openSqliteEventStore } from '../../src/events/log/sqlite.js';
import { streamName } from '../../src/events/log/stream-name.js';
import { openKeyStore, type KeyStore } from '../../src/events/personal-data/key-store.js';
import type { Projector } from '../../src/projections/projector.js';
import { openReadDb, type ReadDb } from '../../src/projections/read-db.js';
import { startProjections, type ProjectionRunner, type ProjectionRunnerOptions } from '../../src/projections/runner.js';

export type Env = { dir: string; store: EventStore; keyStore: KeyStore; readDb: ReadDb; runners: ProjectionRunner[] };

/** A fresh directory with an event store, a key store and read.db per test; everything closed afterwards. */
export const useProjectionEnv = (prefix = 'crm-proj-'): Env => {
  const env = {} as Env;
  beforeEach(() => {
    env.dir = mkdtempSync(join(tmpdir(), prefix));
    env.store = openSqliteEventStore(join(env.dir, 'events.db'));
    env.keyStore = openKeyStore(join(env.dir, 'keys.db'), randomBytes(32));
    env.readDb = openReadDb(env.dir);
    env.runners = [];
  });
  afterEach(async () => {
    for (const runner of env.runners) await runner.close();
    await env.readDb.close();
    await env.store.close();
    env.keyStore.close();
    rmSync(env.dir, { recursive: true, force: true });
  });
  return env;
};

/** Starts a runner over the environment's stores (closed after the test). */
export const start = async (env: Env, options: Partial<ProjectionRunnerOptions> & Pick<ProjectionRunnerOptions, 'projectors'>) => {
  const runner = await startProjections({ store: env.store, keyStore: env.keyStore, readDb: env.readDb, pollMs: 200, ...options });
  env.runners.push(runner);
  return runner;
};

/** Polls `check` every few milliseconds until it holds; fails after `ms`. */
export const until = async (check: () => boolean | Promise<boolean>, ms = 3_000, what = 'condition'): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

/** Appends `Counted` events (one per amount) to `<tenant>/test.counter/<id>`; answers the last position. */
export const count = async (store: EventStore, tenant: string, id: string, amounts: number[], extra: JsonObject = {}) => {
  const events = amounts.map((by) => ({
    id: randomUUID(), type: 'Counted', schemaVersion: 1, data: { by, ...extra }, metadata: { tenantId: tenant },
  }));
  return (await store.append(streamName(tenant, 'test.counter', id), events)).position;
};

/**
 * A projector of `Counted` events: `counters` holds a total per stream, `counter_log` one row per
 * event. `fail(event, physical table)` true makes it throw: a crash in the middle of a batch.
 */
type CounterOptions = { name?: string; version?: number; factor?: number; fail?: (e: RecordedEvent, table: string) => boolean };

export const counterProjector = (options: CounterOptions = {}): Projector => {
  const name = options.name ?? 'test.counters';
  const prefix = name.replace(/\W/g, '_');
  return {
    name,
    version: options.version ?? 1,
    handles: ['Counted'],
    tables: {
      [`${prefix}_totals`]: (t) => (t.text('tenant_id').notNullable(), t.text('id').notNullable(), t.integer('total'), t.primary(['tenant_id', 'id'])),
      [`${prefix}_log`]: (t) => (t.text('tenant_id').notNullable(), t.integer('position').primary(), t.integer('by')),
    },
    apply: (tx, event) => {
      if (options.fail?.(event, tx.table(`${prefix}_totals`))) throw new Error(`cannot count event at ${event.position}`);
      const [tenant, , id] = event.stream.split('/');
      const by = Number(event.data.by) * (options.factor ?? 1);
      tx.statement(`INSERT INTO "${tx.table(`${prefix}_totals`)}" (tenant_id, id, total) VALUES (?, ?, ?)
        ON CONFLICT (tenant_id, id) DO UPDATE SET total = total + excluded.total`).run(tenant, id, by);
      tx.statement(`INSERT INTO "${tx.table(`${prefix}_log`)}" (tenant_id, position, by) VALUES (?, ?, ?)`).run(tenant, event.position, by);
    },
  };
};

/** Every row of a table, in a stable order. */
export const rowsOf = (readDb: ReadDb, table: string, order = 'rowid'): unknown[] =>
  readDb.db.prepare(`SELECT rowid AS _rowid, * FROM "${table}" ORDER BY ${order}`).all();

export const tableExists = (readDb: ReadDb, table: string): boolean =>
  readDb.db.prepare("SELECT 1 FROM sqlite_master WHERE name = ?").get(table) !== undefined;
