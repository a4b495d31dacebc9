/** The deals read model the list-engine specs query: schema, spec, generator and an independent sort. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { AppError } from '../../src/errors.js';
import { cursorKeyOf } from '../../src/queries/cursor.js';
import { listPage, type ListOptions, type ListSpec } from '../../src/queries/list.js';

export type Deal = {
  id: string; tenant_id: string; name: string; stage: string | null; amount: number | null; won: number | null;
  score: number | null; tags: string; created_at: string; closed_at: string | null;
};

export const SCHEMA = `
CREATE TABLE deals (
  id TEXT PRIMARY KEY NOT NULL, tenant_id TEXT NOT NULL, name TEXT NOT NULL, stage TEXT, amount INTEGER,
  won INTEGER, score REAL, tags TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL, closed_at TEXT
);
CREATE INDEX deals_by_stage ON deals (tenant_id, stage, created_at, id);
CREATE VIRTUAL TABLE deals_fts USING fts5(name);`;

export const spec: ListSpec = {
  table: 'deals',
  tenantColumn: 'tenant_id',
  idColumn: 'id',
  fields: {
    id: { column: 'id', type: 'string' },
    name: { column: 'name', type: 'string' },
    stage: { column: 'stage', type: 'string' },
    'amount.amount': { column: 'amount', type: 'integer' },
    won: { column: 'won', type: 'boolean' },
    score: { column: 'score', type: 'number' },
    tags: { column: 'tags', type: 'tags' },
    createdAt: { column: 'created_at', type: 'datetime' },
    closedAt: { column: 'closed_at', type: 'datetime' },
    secret: { column: 'tenant_id', type: 'string' },
  },
  filterable: ['id', 'name', 'stage', 'amount.amount', 'won', 'score', 'tags', 'createdAt', 'closedAt'],
  sortable: ['id', 'name', 'stage', 'amount.amount', 'won', 'score', 'tags', 'createdAt', 'closedAt'],
  defaultSort: '-createdAt',
  search: { ftsTable: 'deals_fts' },
};

/** The key these specs' cursors are sealed with (a server derives its own from the master key). */
export const cursorKey = cursorKeyOf(randomBytes(32));

/** A small deterministic generator, so failures reproduce. */
export const random = (seed: number) => () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
type Random = ReturnType<typeof random>;
const pick = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;

export const makeDeal = (r: Random, tenant: string, i: number): Deal => ({
  id: `${Math.floor(r() * 1e9).toString(36)}-${i}`,
  tenant_id: tenant,
  name: `${pick(r, ['Acme Corp', 'acme labs', 'Globex', 'Initech deal', 'Umbrella'])} ${i}`,
  stage: pick(r, ['lead', 'won', 'lost', null]),
  amount: pick(r, [null, 500, 1000, 5000, 100000, 250000]),
  won: pick(r, [null, 0, 1]),
  score: pick(r, [null, -1.5, 0, 2.25, 7]),
  tags: JSON.stringify(pick(r, [[], ['vip'], ['eu'], ['vip', 'eu'], ['x']])),
  created_at: `2024-01-0${1 + Math.floor(r() * 9)}T0${Math.floor(r() * 3)}:00:00.000Z`,
  closed_at: pick(r, [null, null, '2024-03-01T00:00:00.000Z', '2024-02-01T00:00:00.000Z']),
});

const cmp = (a: unknown, b: unknown): number => (a === b ? 0 : a === null ? -1 : b === null ? 1 : (a as string) < (b as string) ? -1 : 1);

/** The ids of `rows` in `sort` order, computed independently of SQL: NULL smallest, id last. */
export const ordered = (rows: Deal[], sort: string): string[] => {
  const keys = sort.split(',').map((s) => ({ column: spec.fields[s.replace(/^-/, '')]!.column as keyof Deal, desc: s.startsWith('-') }));
  const all = [...keys, { column: 'id' as const, desc: keys.at(-1)!.desc }];
  const order = (x: Deal, y: Deal): number => {
    for (const { column, desc } of all) {
      const c = cmp(x[column], y[column]);
      if (c !== 0) return desc ? -c : c;
    }
    return 0;
  };
  return [...rows].sort(order).map((d) => d.id);
};

export const failure = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected an error');
};

/**
 * A fresh read.db per test with 150 deals of acme and 40 of globex (deterministic), and the
 * helpers the list specs share. Call inside a `describe`.
 */
export const useDeals = () => {
  const state = { dir: '', db: undefined as unknown as Database.Database };
  const r = random(42);
  const insert = (deal: Deal): void => {
    const { lastInsertRowid } = state.db
      .prepare('INSERT INTO deals VALUES (:id, :tenant_id, :name, :stage, :amount, :won, :score, :tags, :created_at, :closed_at)')
      .run(deal);
    state.db.prepare('INSERT INTO deals_fts (rowid, name) VALUES (?, ?)').run(lastInsertRowid, deal.name);
  };
  const rowsOf = (tenant: string): Deal[] => state.db.prepare('SELECT * FROM deals WHERE tenant_id = ?').all(tenant) as Deal[];
  const ids = (options: Partial<ListOptions>, tenantId = 'acme'): string[] =>
    listPage(state.db, spec, { tenantId, limit: 200, ...options }, cursorKey).data.map((d) => d.id as string);

  /** Every id, page by page (7 a page), calling `between` after each page. */
  const walk = (options: Partial<ListOptions>, between?: () => void, tenantId = 'acme'): string[] => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page += 1) {
      const result = listPage(state.db, spec, { tenantId, limit: 7, ...options, cursor }, cursorKey);
      expect(result.data.length).to.be.at.most(7);
      seen.push(...result.data.map((d) => d.id as string));
      if (result.page.nextCursor === null) return seen;
      cursor = result.page.nextCursor;
      between?.();
    }
    throw new Error('the walk never reached a last page');
  };

  beforeEach(() => {
    state.dir = mkdtempSync(join(tmpdir(), 'crm-list-'));
    state.db = new Database(join(state.dir, 'read.state.db'));
    state.db.pragma('journal_mode = WAL');
    state.db.exec(SCHEMA);
    state.db.transaction(() => {
      for (let i = 0; i < 150; i += 1) insert(makeDeal(r, 'acme', i));
      for (let i = 150; i < 190; i += 1) insert(makeDeal(r, 'globex', i));
    })();
  });
  afterEach(() => {
    state.db.close();
    rmSync(state.dir, { recursive: true, force: true });
  });
  return { db: () => state.db, insert, rowsOf, ids, walk, r };
};
