import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { AppError } from '../../src/errors.js';
import { listPage, type ListOptions, type ListSpec } from '../../src/queries/list.js';

type Deal = {
  id: string; tenant_id: string; name: string; stage: string | null; amount: number | null; won: number | null;
  score: number | null; tags: string; created_at: string; closed_at: string | null;
};

const SCHEMA = `
CREATE TABLE deals (
  id TEXT PRIMARY KEY NOT NULL, tenant_id TEXT NOT NULL, name TEXT NOT NULL, stage TEXT, amount INTEGER,
  won INTEGER, score REAL, tags TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL, closed_at TEXT
);
CREATE INDEX deals_by_stage ON deals (tenant_id, stage, created_at, id);
CREATE VIRTUAL TABLE deals_fts USING fts5(name);`;

const spec: ListSpec = {
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

/** A small deterministic generator, so failures reproduce. */
const random = (seed: number) => () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
type Random = ReturnType<typeof random>;
const pick = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;

const makeDeal = (r: Random, tenant: string, i: number): Deal => ({
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
const ordered = (rows: Deal[], sort: string): string[] => {
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

const failure = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected an error');
};

describe('listPage: the list-query engine', () => {
  let dir: string;
  let db: Database.Database;
  const r = random(42);
  const insert = (deal: Deal): void => {
    const { lastInsertRowid } = db
      .prepare('INSERT INTO deals VALUES (:id, :tenant_id, :name, :stage, :amount, :won, :score, :tags, :created_at, :closed_at)')
      .run(deal);
    db.prepare('INSERT INTO deals_fts (rowid, name) VALUES (?, ?)').run(lastInsertRowid, deal.name);
  };
  const rowsOf = (tenant: string): Deal[] => db.prepare('SELECT * FROM deals WHERE tenant_id = ?').all(tenant) as Deal[];
  const ids = (options: Partial<ListOptions>, tenantId = 'acme'): string[] =>
    listPage(db, spec, { tenantId, limit: 200, ...options }).data.map((d) => d.id as string);

  /** Every id, page by page (7 a page), calling `between` after each page. */
  const walk = (options: Partial<ListOptions>, between?: () => void, tenantId = 'acme'): string[] => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page += 1) {
      const result = listPage(db, spec, { tenantId, limit: 7, ...options, cursor });
      expect(result.data.length).to.be.at.most(7);
      seen.push(...result.data.map((d) => d.id as string));
      if (result.page.nextCursor === null) return seen;
      cursor = result.page.nextCursor;
      between?.();
    }
    throw new Error('the walk never reached a last page');
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-list-'));
    db = new Database(join(dir, 'read.db'));
    db.pragma('journal_mode = WAL');
    db.exec(SCHEMA);
    db.transaction(() => {
      for (let i = 0; i < 150; i += 1) insert(makeDeal(r, 'acme', i));
      for (let i = 150; i < 190; i += 1) insert(makeDeal(r, 'globex', i));
    })();
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('walks every row exactly once, in order, by keyset cursor', () => {
    const sorts = ['-createdAt', 'createdAt', 'name', '-name', 'closedAt', '-closedAt', '-score,name', 'stage,-closedAt', '-stage,score,-createdAt', '-amount.amount,won', 'won,-score', '-id', 'closedAt,-score,stage,-createdAt'];
    for (const sort of sorts) {
      it(`sorted by ${sort}`, () => expect(walk({ sort })).to.deep.equal(ordered(rowsOf('acme'), sort)));
    }

    it('sorted by the spec default (-createdAt) when no sort is given', () => {
      expect(walk({})).to.deep.equal(ordered(rowsOf('acme'), '-createdAt'));
    });

    it('answers 50 rows by default, and no cursor when the last page is exactly full', () => {
      const first = listPage(db, spec, { tenantId: 'acme' });
      expect(first.data).to.have.length(50);
      expect(first.page.nextCursor).to.be.a('string');
      const won = rowsOf('acme').filter((d) => d.stage === 'won').length;
      expect(listPage(db, spec, { tenantId: 'acme', filter: 'stage[eq]:"won"', limit: String(won) }).page.nextCursor).to.equal(null);
    });

    it('never duplicates or skips an existing row when rows are inserted while paging', () => {
      let n = 1000;
      for (const sort of ['-createdAt', 'name', 'closedAt,-score', '-stage,score']) {
        const before = ordered(rowsOf('acme'), sort);
        const seen = walk({ sort }, () => [1, 2, 3].forEach(() => insert(makeDeal(r, 'acme', (n += 1)))));
        expect(new Set(seen).size, 'duplicates').to.equal(seen.length);
        expect(seen.filter((id) => before.includes(id)), 'existing rows, in order').to.deep.equal(before);
      }
    });
  });

  describe('filters with two-valued logic (NULL never matches a comparison; neq and not match it)', () => {
    const tags = (d: Deal): string[] => JSON.parse(d.tags) as string[];
    const cases: [string, (d: Deal) => boolean][] = [
      ['stage[eq]:"won"', (d) => d.stage === 'won'],
      ['stage[neq]:"won"', (d) => d.stage !== 'won'],
      ['amount.amount[gte]:5000', (d) => d.amount !== null && d.amount >= 5000],
      ['amount.amount[lt]:5000', (d) => d.amount !== null && d.amount < 5000],
      ['score[gt]:0', (d) => d.score !== null && d.score > 0],
      ['score[lte]:-1.5', (d) => d.score !== null && d.score <= -1.5],
      ['stage[in]:["won","lost"]', (d) => d.stage === 'won' || d.stage === 'lost'],
      ['stage[is]:null', (d) => d.stage === null],
      ['stage[is]:not_null', (d) => d.stage !== null],
      ['not(stage[eq]:"won")', (d) => d.stage !== 'won'],
      ['not(amount.amount[gt]:1000)', (d) => !(d.amount !== null && d.amount > 1000)],
      ['or(stage[eq]:"won",and(stage[eq]:"lost",amount.amount[gt]:1000))', (d) => d.stage === 'won' || (d.stage === 'lost' && d.amount! > 1000)],
      ['tags[eq]:"vip"', (d) => tags(d).includes('vip')],
      ['tags[in]:["vip","x"]', (d) => tags(d).includes('vip') || tags(d).includes('x')],
      ['not(tags[in]:["vip"])', (d) => !tags(d).includes('vip')],
      ['won[eq]:true', (d) => d.won === 1],
      ['won[neq]:true', (d) => d.won !== 1],
      ['createdAt[gte]:"2024-01-05"', (d) => d.created_at >= '2024-01-05T00:00:00.000Z'],
      ['createdAt[lt]:"2024-01-05T02:00:00+02:00"', (d) => d.created_at < '2024-01-05T00:00:00.000Z'],
      ['closedAt[in]:["2024-03-01T00:00:00Z"]', (d) => d.closed_at === '2024-03-01T00:00:00.000Z'],
      ['name[like]:"*LABS*"', (d) => d.name.toLowerCase().includes('labs')],
      ['name[startsWith]:"acme"', (d) => d.name.toLowerCase().startsWith('acme')],
      ['and(stage[eq]:"won",amount.amount[gte]:100000,not(tags[in]:["x"]))', (d) => d.stage === 'won' && d.amount! >= 100000 && !tags(d).includes('x')],
    ];
    for (const [filter, predicate] of cases) {
      it(filter, () => {
        const expected = ordered(rowsOf('acme').filter(predicate), '-score,name');
        expect(expected, 'the fixture exercises the filter').not.to.be.empty;
        expect(walk({ filter, sort: '-score,name' })).to.deep.equal(expected);
      });
    }

    it('like and startsWith treat % _ and \\ literally; * is the wildcard of like', () => {
      for (const [i, name] of ['100% Deal', '1000 Deal', 'a_b', 'axb', 'back\\slash'].entries()) insert({ ...makeDeal(r, 'lit', i), name });
      expect(ids({ filter: 'name[like]:"100%*"' }, 'lit').length).to.equal(1);
      expect(ids({ filter: 'name[startsWith]:"a_"' }, 'lit').length).to.equal(1);
      expect(ids({ filter: 'name[like]:"*\\\\*"' }, 'lit').length).to.equal(1);
      expect(ids({ filter: 'name[like]:"*"' }, 'lit').length).to.equal(5);
    });
  });

  describe('keeps tenants apart', () => {
    it('never answers another tenant, whatever the filter, policy condition or cursor', () => {
      const acme = ordered(rowsOf('acme'), 'name');
      expect(walk({ sort: 'name', filter: 'or(stage[eq]:"won",stage[neq]:"won")' })).to.deep.equal(acme);
      expect(walk({ sort: 'name', where: { sql: 'stage = ? OR 1 = 1', bindings: ['won'] } })).to.deep.equal(acme);
      const acmeCursor = listPage(db, spec, { tenantId: 'acme', sort: 'name', limit: 3 }).page.nextCursor!;
      const globex = listPage(db, spec, { tenantId: 'globex', sort: 'name', limit: 200, cursor: acmeCursor }).data;
      expect(globex.map((d) => d.tenant_id)).to.satisfy((t: string[]) => t.length > 0 && t.every((x) => x === 'globex'));
    });

    it('ANDs the access policy condition', () => {
      const won = ordered(rowsOf('acme').filter((d) => d.stage === 'won'), 'name');
      expect(walk({ sort: 'name', where: { sql: '"deals"."stage" = ?', bindings: ['won'] } })).to.deep.equal(won);
    });
  });

  describe('refuses hostile or malformed input with a 400', () => {
    const snapshot = () => JSON.stringify([db.prepare('SELECT * FROM deals ORDER BY id').all(), db.prepare('SELECT * FROM sqlite_master').all()]);

    it('binds every value: SQL inside strings matches nothing and changes nothing', () => {
      const before = snapshot();
      const filters = [`name[eq]:"x' OR 1=1 --"`, `name[eq]:"x\\"); DROP TABLE deals; --"`, `name[like]:"*' OR '1'='1"`, `stage[in]:["won') OR ('1'='1"]`];
      for (const filter of filters) expect(ids({ filter })).to.deep.equal([]);
      expect(ids({ q: "'; DROP TABLE deals; --" })).to.deep.equal([]);
      expect(snapshot()).to.equal(before);
    });

    const refusals: [string, Partial<ListOptions>, string, number?][] = [
      ['SQL as a field name', { filter: 'field"; DROP TABLE deals; --[eq]:1' }, 'invalid_filter', 5],
      ['an unknown field', { filter: 'and(stage[eq]:"won",nope[eq]:1)' }, 'invalid_filter', 20],
      ['a declared field that is not filterable', { filter: 'secret[eq]:"globex"' }, 'invalid_filter', 0],
      ['a prototype property as a field', { filter: '__proto__[eq]:1' }, 'invalid_filter', 0],
      ['a string where an integer goes', { filter: 'and(stage[eq]:"won",amount.amount[gte]:"100")' }, 'invalid_filter', 39],
      ['a fraction for an integer field', { filter: 'amount.amount[eq]:1.5' }, 'invalid_filter', 18],
      ['a string for a boolean', { filter: 'won[eq]:"yes"' }, 'invalid_filter', 8],
      ['a date that does not exist', { filter: 'createdAt[gt]:"2024-02-30"' }, 'invalid_filter', 14],
      ['a date-time without a zone', { filter: 'createdAt[gt]:"2024-01-01T10:00"' }, 'invalid_filter', 14],
      ['a number for a string field', { filter: 'name[gt]:5' }, 'invalid_filter', 9],
      ['an order comparison on tags', { filter: 'tags[gt]:"x"' }, 'invalid_filter', 0],
      ['like on a number', { filter: 'amount.amount[like]:"1*"' }, 'invalid_filter', 0],
      ['nesting of 9 levels', { filter: `${'not('.repeat(9)}won[eq]:true${')'.repeat(9)}` }, 'invalid_filter', 32],
      ['a huge number', { filter: 'amount.amount[gte]:1e400' }, 'invalid_filter', 19],
      ['an unknown sort field', { sort: 'nope' }, 'invalid_sort'],
      ['a declared field that is not sortable', { sort: '-secret' }, 'invalid_sort'],
      ['sorting by tags', { sort: 'tags' }, 'invalid_sort'],
      ['SQL in the sort', { sort: 'name; DROP TABLE deals' }, 'invalid_sort'],
      ['a field sorted twice', { sort: 'name,-name' }, 'invalid_sort'],
      ['five sort fields', { sort: 'name,stage,score,won,closedAt' }, 'invalid_sort'],
      ['limit 0', { limit: 0 }, 'invalid_limit'],
      ['limit 201', { limit: '201' }, 'invalid_limit'],
      ['a fractional limit', { limit: '1.5' }, 'invalid_limit'],
      ['a limit that is not a number', { limit: 'ten' }, 'invalid_limit'],
      ['a search query beyond 200 characters', { q: 'x'.repeat(201) }, 'invalid_search'],
    ];
    for (const [name, options, code, position] of refusals) {
      it(name, () => {
        const before = snapshot();
        const error = failure(() => listPage(db, spec, { tenantId: 'acme', ...options }));
        expect(error.code, error.message).to.equal(code);
        expect(error.status).to.equal(400);
        if (position !== undefined) expect(error.extra.position, error.message).to.equal(position);
        expect(snapshot()).to.equal(before);
      });
    }

    it('refuses a cursor that is tampered with, malformed or from another query', () => {
      const base = { tenantId: 'acme', sort: 'name', limit: 5 };
      const cursor = listPage(db, spec, base).page.nextCursor!;
      const body = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { f: string; v: unknown[] };
      const forge = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
      const tampered = [
        'not a cursor!',
        forge('hello').slice(0, -1),
        Buffer.from('{"f":').toString('base64url'),
        forge([body.f, body.v]),
        forge({ ...body, extra: 1 }),
        forge({ ...body, f: 'x'.repeat(22) }),
        forge({ ...body, v: [{}, 'id'] }),
        forge({ ...body, v: [body.v[0]] }),
        forge({ ...body, v: [body.v[0], null] }),
        `${cursor}A`,
      ];
      const replays: Partial<ListOptions>[] = [{ sort: '-name' }, { filter: 'stage[eq]:"won"' }, { q: 'acme' }];
      for (const options of [...tampered.map((c) => ({ cursor: c })), ...replays.map((o) => ({ ...o, cursor }))]) {
        expect(failure(() => listPage(db, spec, { ...base, ...options })).code, JSON.stringify(options)).to.equal('invalid_cursor');
      }
      expect(listPage(db, spec, { ...base, cursor: forge(body) }).data).to.have.length(5);
    });
  });

  describe('searches with FTS5', () => {
    const words = (d: Deal): string[] => d.name.toLowerCase().split(/[^a-z0-9]+/);

    it('matches every term, the last as a prefix, within the tenant, with filter, sort and paging', () => {
      const expected = rowsOf('acme').filter((d) => words(d).includes('acme') && words(d).some((w) => w.startsWith('lab')));
      expect(walk({ q: 'ACME lab', sort: 'name' })).to.deep.equal(ordered(expected, 'name'));
      const filtered = rowsOf('acme').filter((d) => words(d).includes('globex') && d.stage !== null);
      expect(walk({ q: 'glob', filter: 'stage[is]:not_null', sort: '-createdAt' })).to.deep.equal(ordered(filtered, '-createdAt'));
      expect(filtered).not.to.be.empty;
    });

    it('treats FTS5 syntax in q as text, and a blank q as no search', () => {
      for (const q of ['acme OR globex', '"', 'NEAR(acme corp)', 'name:acme', '*', 'acme AND', '\u0000']) {
        expect(ids({ q }), q).to.deep.equal([]);
      }
      expect(ids({ q: '-acme' }), 'not a NOT').to.deep.equal(ids({ q: 'acme' })).and.not.be.empty;
      expect(ids({ q: '  ' })).to.have.length(150);
    });

    it('answers search_not_supported on a list without search', () => {
      const { search: _, ...plain } = spec;
      const error = failure(() => listPage(db, plain, { tenantId: 'acme', q: 'acme' }));
      expect([error.code, error.status]).to.deep.equal(['search_not_supported', 400]);
    });
  });
});
