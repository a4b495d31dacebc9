import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { AppError } from '../../src/errors.js';
import { csvField, exportRows } from '../../src/queries/export.js';
import type { ListSpec } from '../../src/queries/list.js';

const SCHEMA = `CREATE TABLE contacts (
  id TEXT PRIMARY KEY NOT NULL, tenant_id TEXT NOT NULL, name TEXT NOT NULL, note TEXT, score REAL, vip INTEGER,
  tags TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL
)`;

type Contact = { id: string; tenant_id: string; name: string; note: string | null; score: number | null; vip: number | null; tags: string; created_at: string };

const spec: ListSpec = {
  table: 'contacts',
  tenantColumn: 'tenant_id',
  idColumn: 'id',
  fields: {
    id: { column: 'id', type: 'string' },
    name: { column: 'name', type: 'string' },
    note: { column: 'note', type: 'string' },
    score: { column: 'score', type: 'number' },
    vip: { column: 'vip', type: 'boolean' },
    tags: { column: 'tags', type: 'tags' },
    createdAt: { column: 'created_at', type: 'datetime' },
  },
  filterable: ['name', 'score', 'vip', 'tags'],
  sortable: ['id', 'name', 'score', 'createdAt'],
  defaultSort: '-createdAt',
};

const contact = (i: number, tenant = 'acme', extra: Partial<Contact> = {}): Contact => ({
  id: `c${String(i).padStart(5, '0')}`,
  tenant_id: tenant,
  name: `Person ${i}`,
  note: null,
  score: i % 7 === 0 ? null : (i % 13) - 6,
  vip: i % 3 === 0 ? null : i % 3 === 1 ? 1 : 0,
  tags: JSON.stringify(i % 2 === 0 ? ['even'] : []),
  created_at: new Date(Date.UTC(2024, 0, 1) + (i % 50) * 3_600_000).toISOString(),
  ...extra,
});

/** RFC 4180, strictly: quoted fields with doubled quotes, records ended by CRLF. */
const parseCsv = (text: string): string[][] => {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') (field += '"'), (i += 1);
    else if (c === '"' && (quoted || field === '')) quoted = !quoted;
    else if (quoted) field += c;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), (i += 1);
    else if (c === '\r' || c === '\n' || c === '"') throw new Error(`bare ${JSON.stringify(c)} at ${i}`);
    else field += c;
  }
  expect([field, row, quoted], 'the text ends with a complete record').to.deep.equal(['', [], false]);
  return rows;
};

const textOf = async (stream: Readable): Promise<string> => {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
};

const bound = (target: object, key: PropertyKey): unknown => {
  const value: unknown = Reflect.get(target, key);
  return typeof value === 'function' ? value.bind(target) : value;
};

/** The database, with a count of the page queries run through it (statements' `all`). */
const counting = (db: Database.Database) => {
  const counter = { pages: 0 };
  const statement = (s: Database.Statement) =>
    new Proxy(s, { get: (t, k) => (k === 'all' ? (...args: unknown[]) => ((counter.pages += 1), t.all(...args)) : bound(t, k)) });
  const proxy = new Proxy(db, { get: (t, k) => (k === 'prepare' ? (sql: string) => statement(t.prepare(sql)) : bound(t, k)) });
  return { db: proxy, counter };
};

describe('exportRows: streaming CSV and JSONL exports', () => {
  let dir: string;
  let db: Database.Database;
  const insert = (rows: Contact[]): void => {
    const statement = db.prepare('INSERT INTO contacts VALUES (:id, :tenant_id, :name, :note, :score, :vip, :tags, :created_at)');
    db.transaction(() => rows.forEach((row) => statement.run(row)))();
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-export-'));
    db = new Database(join(dir, 'read.db'));
    db.pragma('journal_mode = WAL');
    db.exec(SCHEMA);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes RFC 4180 CSV that parses back, with spreadsheet formulas neutralised', async () => {
    const notes = ['plain', 'a,b', 'say "hi"', 'two\r\nlines', 'lf\nonly', '=SUM(A1:A2)', '+1', '-1', '@cmd', '\tTab', '\rCR', 'Zoë ✓', null];
    insert(notes.map((note, i) => contact(i + 1, 'acme', { note, score: i === 0 ? -5 : 1.5 })));
    insert([contact(99, 'globex', { note: 'other tenant' })]);
    const upper = { header: '=NAME', value: (row: Record<string, unknown>) => String(row.name).toUpperCase() };
    const csv = await textOf(exportRows(db, spec, { tenantId: 'acme', sort: 'id' }, 'csv', ['id', 'note', 'score', 'vip', 'tags', upper]));
    const [header, ...rows] = parseCsv(csv);
    expect(header).to.deep.equal(['id', 'note', 'score', 'vip', 'tags', "'=NAME"]);
    const defused = (n: string | null) => (n === null ? '' : /^[=+\-@\t\r]/.test(n) ? `'${n}` : n);
    expect(rows.map((r) => r[1])).to.deep.equal(notes.map(defused));
    expect(rows[0]).to.deep.equal(['c00001', 'plain', '-5', 'true', '', 'PERSON 1']); // tags: `;`-separated, as an import reads them
    expect(rows.map((r) => r[0])).to.deep.equal(notes.map((_, i) => contact(i + 1).id));
  });

  it('neutralises a formula at the start of a list cell too (lists are `;`-separated)', () => {
    expect([csvField(['=1+1', 'b']), csvField(['a', '=1+1']), csvField(['@x'])]).to.deep.equal(["'=1+1;b", 'a;=1+1', "'@x"]);
  });

  it('writes JSONL, one object per line keyed by column, typed by field, filtered and sorted', async () => {
    insert(Array.from({ length: 40 }, (_, i) => contact(i)));
    insert([contact(100, 'globex', { vip: 1 })]);
    const stream = exportRows(db, spec, { tenantId: 'acme', filter: 'vip[eq]:true', sort: '-score,name' }, 'jsonl', ['id', 'score', 'vip', 'tags']);
    const lines = (await textOf(stream)).split('\n');
    expect(lines.pop(), 'ends with a newline').to.equal('');
    const records = lines.map((line) => JSON.parse(line) as { id: string; score: number | null; vip: boolean; tags: string[] });
    const expected = db.prepare("SELECT * FROM contacts WHERE tenant_id = 'acme' AND vip = 1 ORDER BY score DESC, name ASC, id ASC").all() as Contact[];
    expect(records.map((r) => r.id)).to.deep.equal(expected.map((c) => c.id)).and.have.length.above(5);
    expect(records[0]).to.deep.equal({ id: expected[0]!.id, score: expected[0]!.score, vip: true, tags: JSON.parse(expected[0]!.tags) });
  });

  it('reads the next page only when the consumer wants more (backpressure)', async () => {
    insert(Array.from({ length: 2000 }, (_, i) => contact(i, 'acme', { note: 'n'.repeat(200) })));
    const { db: watched, counter } = counting(db);
    const stream = exportRows(watched, spec, { tenantId: 'acme', sort: 'id' }, 'csv', ['id', 'note'], { pageSize: 100 });
    const reader = stream[Symbol.asyncIterator]();
    let text = String((await reader.next()).value);
    await sleep(50);
    expect(counter.pages, 'pages read while the consumer waits').to.be.within(1, 3);
    for (let next = await reader.next(); !next.done; next = await reader.next()) text += String(next.value);
    expect(counter.pages).to.equal(20);
    const ids = parseCsv(text).slice(1).map((r) => r[0]);
    expect(ids).to.deep.equal(Array.from({ length: 2000 }, (_, i) => contact(i).id));
  });

  it('pages past the default page size of 500, every row exactly once', async () => {
    insert(Array.from({ length: 1234 }, (_, i) => contact(i)));
    const { db: watched, counter } = counting(db);
    const lines = (await textOf(exportRows(watched, spec, { tenantId: 'acme' }, 'jsonl', ['id']))).trim().split('\n');
    const expected = db.prepare("SELECT id FROM contacts WHERE tenant_id = 'acme' ORDER BY created_at DESC, id DESC").pluck().all();
    expect(lines.map((line) => (JSON.parse(line) as { id: string }).id)).to.deep.equal(expected);
    expect(counter.pages).to.equal(3);
  });

  it('answers a header alone (CSV) or nothing (JSONL) for an empty result', async () => {
    expect(await textOf(exportRows(db, spec, { tenantId: 'acme' }, 'csv', ['id', 'name']))).to.equal('id,name\r\n');
    expect(await textOf(exportRows(db, spec, { tenantId: 'acme' }, 'jsonl', ['id', 'name']))).to.equal('');
  });

  it('refuses bad parameters before any stream exists', () => {
    const attempts: [() => unknown, string][] = [
      [() => exportRows(db, spec, { tenantId: 'acme', filter: 'name[eq]:' }, 'csv', ['id']), 'invalid_filter'],
      [() => exportRows(db, spec, { tenantId: 'acme', sort: 'note' }, 'csv', ['id']), 'invalid_sort'],
      [() => exportRows(db, spec, { tenantId: 'acme' }, 'csv', ['id', 'tenant_id']), 'invalid_columns'],
      [() => exportRows(db, spec, { tenantId: 'acme', q: 'x' }, 'jsonl', ['id']), 'search_not_supported'],
    ];
    for (const [attempt, code] of attempts) {
      expect(attempt).to.throw(AppError).with.property('code', code);
    }
  });

  it('fails the stream when a page cannot be read', async () => {
    insert([contact(1)]);
    const stream = exportRows(db, spec, { tenantId: 'acme' }, 'csv', ['id']);
    db.exec('DROP TABLE contacts');
    const error = await textOf(stream).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(Error).with.property('message').that.matches(/no such table/);
  });
});
