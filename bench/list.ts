/**
 * The list engine on a 100,000-row read model: a filtered, sorted page of 50 through `listPage`
 * (first pages, then cursor pages), against the same query as a raw prepared statement. Target:
 * median under 5 ms. Standalone: `npx tsx bench/list.ts`.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { cursorKeyOf } from '../src/queries/cursor.js';
import { listPage, type ListSpec } from '../src/queries/list.js';
import { fmtInt, fmtRatio, machine, printTable, withTempDir } from './lib.js';

export type Latency = { runs: number; medianMs: number; p99Ms: number };

export type ListBenchResult = {
  rows: number;
  tenants: number;
  limit: number;
  filter: string;
  sort: string;
  firstPage: Latency;
  cursorPage: Latency;
  raw: Latency;
  /** Median of `listPage` (first page) over median of the raw statement. */
  ratio: number;
  targetMedianMs: number;
  pass: boolean;
  machine: ReturnType<typeof machine>;
};

const ROWS = 100_000;
const TENANTS = 4;
const LIMIT = 50;
const RUNS = 3_000;
const WARMUP = 1_000;
const CURSOR_DEPTH = 20;
const TARGET_MEDIAN_MS = 5;
const FILTER = 'and(stage[eq]:"won",amount.amount[gte]:100000)';
const SORT = '-createdAt';
const STAGES = ['lead', 'qualified', 'proposal', 'negotiation', 'won', 'lost'];

const SCHEMA = `
CREATE TABLE opportunities (
  id TEXT PRIMARY KEY NOT NULL, tenant_id TEXT NOT NULL, name TEXT NOT NULL, stage TEXT NOT NULL,
  amount INTEGER NOT NULL, currency TEXT NOT NULL, owner_id TEXT, tags TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE INDEX opportunities_by_stage ON opportunities (tenant_id, stage, created_at, id);
CREATE INDEX opportunities_by_created ON opportunities (tenant_id, created_at, id);`;

const spec: ListSpec = {
  table: 'opportunities',
  tenantColumn: 'tenant_id',
  idColumn: 'id',
  fields: {
    id: { column: 'id', type: 'string' },
    name: { column: 'name', type: 'string' },
    stage: { column: 'stage', type: 'string' },
    'amount.amount': { column: 'amount', type: 'integer' },
    'amount.currency': { column: 'currency', type: 'string' },
    ownerId: { column: 'owner_id', type: 'string' },
    tags: { column: 'tags', type: 'tags' },
    createdAt: { column: 'created_at', type: 'datetime' },
    updatedAt: { column: 'updated_at', type: 'datetime' },
  },
  filterable: ['name', 'stage', 'amount.amount', 'amount.currency', 'ownerId', 'tags', 'createdAt', 'updatedAt'],
  sortable: ['name', 'stage', 'amount.amount', 'createdAt', 'updatedAt'],
  defaultSort: '-createdAt',
};

/** mulberry32: a small seeded generator, so every run measures the same table. */
const random = (seed: number) => (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
};

const seed = (db: Database.Database): void => {
  const insert = db.prepare('INSERT INTO opportunities VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const r = random(7);
  const int = (n: number): number => Math.floor(r() * n);
  db.transaction(() => {
    for (let i = 0; i < ROWS; i += 1) {
      const at = new Date(Date.UTC(2023, 0, 1) + int(ROWS / 2) * 60_000).toISOString(); // duplicates test the tie-breaker
      const tags = JSON.stringify(int(5) === 0 ? ['vip'] : []);
      insert.run(`opp-${i}`, `t${int(TENANTS)}`, `Deal ${i}`, STAGES[int(STAGES.length)], int(500_000), 'EUR', `u${int(40)}`, tags, at, at);
    }
  })();
};

const latency = (samples: number[]): Latency => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { runs: samples.length, medianMs: at(0.5), p99Ms: at(0.99) };
};

/** Times `runs` calls of `fn` after a warm-up; answers each call's duration in ms. */
const timeEach = (runs: number, fn: (i: number) => void): number[] => {
  for (let i = 0; i < WARMUP; i += 1) fn(i);
  return Array.from({ length: runs }, (_, i) => {
    const t0 = performance.now();
    fn(i);
    return performance.now() - t0;
  });
};

const cursorKey = cursorKeyOf(Buffer.alloc(32, 7));

const cursorsOf = (db: Database.Database): string[] => {
  const cursors: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < CURSOR_DEPTH; page += 1) {
    cursor = listPage(db, spec, { tenantId: 't1', filter: FILTER, sort: SORT, limit: LIMIT, cursor }, cursorKey).page.nextCursor ?? undefined;
    if (cursor === undefined) break;
    cursors.push(cursor);
  }
  return cursors;
};

const measure = (db: Database.Database): Pick<ListBenchResult, 'firstPage' | 'cursorPage' | 'raw'> => {
  const raw = db.prepare(
    'SELECT * FROM opportunities WHERE tenant_id = ? AND stage = ? AND amount >= ? ORDER BY created_at DESC, id DESC LIMIT ?',
  );
  const options = { tenantId: 't1', filter: FILTER, sort: SORT, limit: LIMIT };
  const expected = JSON.stringify(raw.all('t1', 'won', 100000, LIMIT));
  const page = listPage(db, spec, options, cursorKey).data;
  if (page.length !== LIMIT || JSON.stringify(page) !== expected) throw new Error('listPage and the raw query disagree');
  const cursors = cursorsOf(db);
  if (cursors.length !== CURSOR_DEPTH) throw new Error(`only ${cursors.length} cursor pages`);
  return {
    firstPage: latency(timeEach(RUNS, () => listPage(db, spec, options, cursorKey))),
    cursorPage: latency(timeEach(RUNS, (i) => listPage(db, spec, { ...options, cursor: cursors[i % cursors.length] }, cursorKey))),
    raw: latency(timeEach(RUNS, () => raw.all('t1', 'won', 100000, LIMIT + 1))),
  };
};

const report = (r: ListBenchResult): void => {
  console.log(`list engine: ${fmtInt(r.rows)} rows, ${r.tenants} tenants, page of ${r.limit}, filter=${r.filter} sort=${r.sort}\n`);
  const row = (label: string, l: Latency, note: string) => [label, fmtInt(l.runs), l.medianMs.toFixed(3), l.p99Ms.toFixed(3), note];
  printTable(
    ['query', 'runs', 'median ms', 'p99 ms', 'note'],
    [
      row('listPage, first page', r.firstPage, ''),
      row(`listPage, cursor pages 2–${CURSOR_DEPTH + 1}`, r.cursorPage, ''),
      row('raw prepared statement', r.raw, 'same SQL shape, no parsing'),
    ],
  );
  const verdict = r.pass ? 'PASS' : 'FAIL';
  console.log(`\nlistPage / raw (median): ${fmtRatio(r.ratio)}; target median < ${r.targetMedianMs} ms: ${verdict}`);
};

/** Builds the table in a temporary directory, measures, prints and answers the figures. */
export const runListBench = async (): Promise<ListBenchResult> =>
  withTempDir('crm-bench-list', async (dir) => {
    const db = new Database(join(dir, 'read.db'));
    try {
      db.pragma('journal_mode = WAL');
      db.exec(SCHEMA);
      seed(db);
      db.exec('ANALYZE');
      const measured = measure(db);
      const ratio = measured.firstPage.medianMs / measured.raw.medianMs;
      const pass = measured.firstPage.medianMs < TARGET_MEDIAN_MS && measured.cursorPage.medianMs < TARGET_MEDIAN_MS;
      const base = { rows: ROWS, tenants: TENANTS, limit: LIMIT, filter: FILTER, sort: SORT, targetMedianMs: TARGET_MEDIAN_MS };
      const result: ListBenchResult = { ...base, ...measured, ratio, pass, machine: machine() };
      report(result);
      return result;
    } finally {
      db.close();
    }
  });

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await runListBench();
