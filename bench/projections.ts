/**
 * `npx tsx bench/projections.ts` (or the `projections` suite of `npm run bench`): the catalogue
 * projection of a contact-like kind over 1,000,000 `Created` events (one record each), timed as
 * the first build from position 0 and as a zero-downtime `rebuild`, against raw better-sqlite3
 * inserts of the same rows into the same table shape and indexes, 1,000 rows per transaction.
 *
 * Environment: `BENCH_PROJECTION_EVENTS` (default 1,000,000), `BENCH_ENCRYPT=1` (personal fields
 * encrypted under a key per subject, as in production; default plaintext, so the figure measures
 * the projection machinery rather than AES-GCM), `BENCH_SEARCH=1` (an FTS5 table over lastName
 * and city on both sides).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import knex from 'knex';
import { openSqliteEventStore } from '../src/events/log/sqlite.js';
import { streamName } from '../src/events/log/stream-name.js';
import type { EventStore, JsonObject, NewEvent } from '../src/events/log/port.js';
import type { RecordKind } from '../src/events/catalogue.js';
import { openKeyStore, type KeyStore } from '../src/events/personal-data/key-store.js';
import { getPath, personalDataDescriptor, protect } from '../src/events/personal-data/protect.js';
import { catalogueProjector, catalogueTables } from '../src/projections/catalogue.js';
import { fieldColumns, searchColumns } from '../src/projections/catalogue-columns.js';
import { openReadDatabase, openReadDb } from '../src/projections/read-db.js';
import { startProjections } from '../src/projections/runner.js';
import { fmtInt, fmtRatio, printTable, rate, withTempDir, type Rate } from './lib.js';

const EVENTS = Number(process.env.BENCH_PROJECTION_EVENTS ?? 1_000_000);
const ENCRYPT = process.env.BENCH_ENCRYPT === '1';
const SEARCH = process.env.BENCH_SEARCH === '1';
const BATCH = 1_000;
const TENANT = 'bench';
const AT = '2026-01-01T00:00:00.000Z';
const STAGES = ['lead', 'qualified', 'proposal', 'won', 'lost'];
const CITIES = ['Paris', 'Lyon', 'Berlin', 'Madrid', 'Rome', 'Lisbon', 'Vienna', 'Prague', 'Oslo', 'Dublin'];

const kind: RecordKind = {
  type: 'bench.contact',
  eventPrefix: 'BenchContact',
  fields: {
    firstName: { type: 'string' },
    lastName: { type: 'string' },
    email: { type: 'string' },
    stage: { type: 'string' },
    amount: { type: 'object', properties: { amount: { type: 'integer' }, currency: { type: 'string' } } },
    city: { type: 'string' },
  },
  required: ['firstName', 'lastName', 'email'],
  personal: ['firstName', 'lastName', 'email'],
  classification: { firstName: 'personal', lastName: 'personal', email: 'personal', stage: 'internal', amount: 'confidential', city: 'internal' },
  subject: 'self',
  filterable: ['stage', 'amount.amount', 'city', 'lastName', 'email'],
  sortable: ['lastName', 'amount.amount', 'city'],
  ...(SEARCH ? { searchable: ['lastName', 'city'] } : {}),
};
const SPEC = { subjectField: 'subjectId', fields: kind.personal.map((f) => `fields.${f}`) };

const idOf = (i: number): string => `c${String(i).padStart(8, '0')}`;

const dataOf = (i: number): JsonObject => ({
  subjectId: `s${i}`,
  fields: {
    firstName: `First${i}`, lastName: `Last${(i * 7_919) % 100_003}`, email: `person${i}@example.com`,
    stage: STAGES[i % STAGES.length]!, amount: { amount: (i * 104_729) % 10_000_000, currency: 'EUR' }, city: CITIES[i % CITIES.length]!,
  },
  ownerId: 'u1',
  tags: [],
});

const createdEvent = (keyStore: KeyStore, i: number): NewEvent => {
  const metadata: JsonObject = {
    tenantId: TENANT, actorId: 'u1', commandId: randomUUID(), correlationId: randomUUID(), occurredAt: AT,
    aggregateType: kind.type, aggregateId: idOf(i),
  };
  if (!ENCRYPT) return { id: randomUUID(), type: 'BenchContactCreated', schemaVersion: 1, data: dataOf(i), metadata };
  const data = protect(keyStore, TENANT, SPEC, dataOf(i));
  return { id: randomUUID(), type: 'BenchContactCreated', schemaVersion: 1, data, metadata: { ...metadata, personalData: personalDataDescriptor(SPEC, data)! } };
};

/** 1,000 appends in flight at a time: the store's group commit writes each thousand in one transaction. */
const appendAll = async (store: EventStore, keyStore: KeyStore): Promise<Rate> => {
  const start = performance.now();
  for (let first = 0; first < EVENTS; first += BATCH) {
    const appends = [];
    for (let i = first; i < Math.min(EVENTS, first + BATCH); i++) {
      appends.push(store.append(streamName(TENANT, kind.type, idOf(i)), [createdEvent(keyStore, i)], { expectedRevision: 'no_stream' }));
    }
    await Promise.all(appends);
  }
  return rate(EVENTS, performance.now() - start);
};

type Projected = { build: Rate; rebuild: Rate; rows: number };

// 1. first build from an empty read.db; 2. a zero-downtime rebuild of the same projection.
const project = async (dir: string, store: EventStore, keyStore: KeyStore): Promise<Projected> => {
  const readDb = openReadDb(dir);
  const head = await store.headPosition();
  const started = performance.now();
  const runner = await startProjections({ store, keyStore, readDb, projectors: [catalogueProjector(kind)], batchSize: BATCH });
  await runner.waitForPosition(head, 30 * 60_000);
  const build = rate(EVENTS, performance.now() - started);
  const rebuildStarted = performance.now();
  await (await runner.rebuild(kind.type)).done;
  const rebuild = rate(EVENTS, performance.now() - rebuildStarted);
  const table = runner.physicalTable(kind.type, catalogueTables(kind).records);
  const rows = readDb.db.prepare(`SELECT count(*) FROM "${table}"`).pluck().get() as number;
  await runner.close();
  await readDb.close();
  return { build, rebuild, rows };
};

const rawRow = (i: number): unknown[] => {
  const data = dataOf(i);
  const fields = data.fields as JsonObject;
  const own = fieldColumns(kind).map((c) => getPath(fields, c.path) ?? null);
  return [TENANT, idOf(i), data.subjectId, 'active', 'u1', '[]', JSON.stringify(fields), AT, AT, 0, ...own];
};

/** The projection's own DDL (knex table + FTS5) on a raw connection, and its insert statements. */
const rawTables = (db: ReturnType<typeof openReadDatabase>) => {
  const projector = catalogueProjector(kind);
  const { records, search } = catalogueTables(kind);
  const builder = knex({ client: 'better-sqlite3', useNullAsDefault: true });
  for (const { sql } of builder.schema.createTable('raw', (t) => projector.tables[records]!(t, 'raw')).toSQL()) db.exec(sql);
  for (const sql of projector.indexes?.[records]?.('raw') ?? []) db.exec(sql);
  if (search) for (const sql of projector.virtualTables![search]!('raw_search')) db.exec(sql);
  const columns = ['tenant_id', 'id', 'subject_id', 'status', 'owner_id', 'tags', 'fields', 'created_at', 'updated_at', 'revision', ...fieldColumns(kind).map((c) => c.column)];
  const texts = searchColumns(kind);
  return {
    insert: db.prepare(`INSERT INTO raw (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`),
    fts: search ? db.prepare(`INSERT INTO raw_search (rowid, tenant_id, id, ${texts.map((c) => c.column).join(', ')}) VALUES (${['?', '?', '?', ...texts].map(() => '?').join(', ')})`) : undefined,
    texts,
  };
};

/** Raw better-sqlite3: the same rows (built outside the timed part), 1,000 per transaction. */
const rawInserts = (dir: string): Rate => {
  const db = openReadDatabase(join(dir, 'raw.db'));
  const { insert, fts, texts } = rawTables(db);
  const write = db.transaction((rows: Array<{ row: unknown[]; text: unknown[] }>) => {
    for (const { row, text } of rows) {
      const { lastInsertRowid } = insert.run(...row);
      fts?.run(lastInsertRowid, row[0], row[1], ...text);
    }
  });
  let ms = 0;
  for (let first = 0; first < EVENTS; first += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, EVENTS - first) }, (_, k) => {
      const row = rawRow(first + k);
      return { row, text: texts.map((c) => getPath(JSON.parse(row[6] as string) as JsonObject, c.path) ?? null) };
    });
    const start = performance.now();
    write(rows);
    ms += performance.now() - start;
  }
  db.close();
  return rate(EVENTS, ms);
};

const report = (setup: Rate, projected: Projected, raw: Rate): void => {
  const ratio = projected.rebuild.perSecond / raw.perSecond;
  console.log(`\nprojections: ${fmtInt(EVENTS)} events, personal fields ${ENCRYPT ? 'encrypted (AES-256-GCM per subject)' : 'in plaintext'}, FTS5 ${SEARCH ? 'on' : 'off'}\n`);
  printTable(['step', 'per second', 'seconds', 'note'], [
    ['setup: append (1,000 per commit)', fmtInt(setup.perSecond), setup.seconds.toFixed(1), 'events'],
    ['first build from position 0', fmtInt(projected.build.perSecond), projected.build.seconds.toFixed(1), 'events'],
    ['zero-downtime rebuild', fmtInt(projected.rebuild.perSecond), projected.rebuild.seconds.toFixed(1), `events; ${fmtInt(projected.rows)} rows`],
    ['raw better-sqlite3 inserts', fmtInt(raw.perSecond), raw.seconds.toFixed(1), 'rows, 1,000 per transaction'],
  ]);
  const pass = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
  console.log(`\nrebuild ≥ 50,000 events/s: ${pass(projected.rebuild.perSecond >= 50_000)}`);
  console.log(`rebuild / raw = ${fmtRatio(ratio)} (target ≥ 0.50×): ${pass(ratio >= 0.5)}`);
};

/** Runs the suite in a temporary directory and prints the figures. */
export const runProjectionsBench = async (): Promise<void> =>
  withTempDir('crm-bench-projections', async (dir) => {
    const store = openSqliteEventStore(join(dir, 'events.db'));
    const keyStore = openKeyStore(join(dir, 'keys.db'), randomBytes(32));
    const setup = await appendAll(store, keyStore);
    const projected = await project(dir, store, keyStore);
    await store.close();
    keyStore.close();
    report(setup, projected, rawInserts(dir));
  });

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runProjectionsBench();
