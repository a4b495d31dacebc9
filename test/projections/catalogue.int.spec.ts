import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eraseSubject } from '../../src/commands/compliance/subject.js';
import type { RecordCommand } from '../../src/commands/catalogue.js';
import { catalogueListSpec, catalogueProjector, catalogueTables } from '../../src/projections/catalogue.js';
import type { ProjectionRunner } from '../../src/projections/runner.js';
import { listPage } from '../../src/queries/list.js';
import { cursorKeyOf } from '../../src/queries/cursor.js';
import { contextOf, dealKind, sendDeal } from './deal.js';
import { rowsOf, start, useProjectionEnv } from './support.js';

const { records, search } = catalogueTables(dealKind);
const NAME = dealKind.type;

const ada = { firstName: 'Adaqzxfirst', lastName: 'Lovelaceqzx', email: 'adaqzx.secret@example.com' };
const create = (person: Record<string, string>, subjectId: string, extra: object = {}): RecordCommand => ({
  type: 'CreateRecord', ownerId: 'u1', tags: ['b', 'a'], subjectId,
  fields: { ...person, stage: 'lead', amount: { amount: 1_000, currency: 'EUR' }, city: 'Paris', ...extra },
});

describe('projections: the catalogue projection', () => {
  const env = useProjectionEnv('crm-catalogue-');
  let runner: ProjectionRunner;
  const deps = () => ({ store: env.store, keyStore: env.keyStore });
  const table = () => runner.physicalTable(NAME, records);
  const fts = () => runner.physicalTable(NAME, search!);
  const row = (tenant: string, id: string) =>
    env.readDb.db.prepare(`SELECT rowid AS _rowid, * FROM "${table()}" WHERE tenant_id = ? AND id = ?`).get(tenant, id) as Record<string, unknown>;
  /** The table's indexes, named without the table's generation. */
  const indexesOf = (physical: string) =>
    (env.readDb.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name").pluck().all(physical) as string[])
      .map((name) => name.slice(physical.length));
  const matches = (q: string) => env.readDb.db.prepare(`SELECT tenant_id, id FROM "${fts()}" WHERE "${fts()}" MATCH ? ORDER BY rowid`).all(q);

  beforeEach(async () => {
    runner = await start(env, { projectors: [catalogueProjector(dealKind)], dropAfterMs: 10 });
  });

  it("projects a record's life into its row, columns and search table", async () => {
    await sendDeal(deps(), 'acme', 'd1', create(ada, 'subj-1', { closeAt: '2026-05-01T12:00:00+02:00', vip: true, labels: ['x'] }));
    await sendDeal(deps(), 'acme', 'd1', { type: 'UpdateRecord', changes: { stage: 'won', city: null, score: 2.5 } });
    await sendDeal(deps(), 'acme', 'd1', { type: 'ArchiveRecord', reason: null });
    await sendDeal(deps(), 'acme', 'd1', { type: 'RestoreRecord' });
    await sendDeal(deps(), 'acme', 'd1', { type: 'AssignOwner', ownerId: 'u2' });
    const last = await sendDeal(deps(), 'acme', 'd1', { type: 'TagRecord', add: ['x'], remove: ['a'] }, '2026-03-02T09:00:00.000Z');
    await runner.waitForPosition(last.position, 2_000);
    const { fields, _rowid, ...columns } = row('acme', 'd1');
    expect(columns).to.deep.equal({
      tenant_id: 'acme', id: 'd1', subject_id: 'subj-1', status: 'active', owner_id: 'u2', tags: '["b","x"]',
      created_at: '2026-03-01T10:00:00.000Z', updated_at: '2026-03-02T09:00:00.000Z', revision: 5,
      stage: 'won', amount__amount: 1_000, city: null, last_name: 'Lovelaceqzx', last_name__key: 'lovelaceqzx', vip: 1,
      close_at: '2026-05-01T10:00:00.000Z', labels: '["x"]', score: 2.5,
    });
    expect(JSON.parse(fields as string)).to.deep.equal({
      ...ada, stage: 'won', amount: { amount: 1_000, currency: 'EUR' }, closeAt: '2026-05-01T12:00:00+02:00',
      vip: true, labels: ['x'], score: 2.5,
    });
    expect(env.readDb.db.prepare(`SELECT rowid FROM "${fts()}" WHERE "${fts()}" MATCH 'lovelaceqzx'`).pluck().all()).to.deep.equal([_rowid]);
    expect(matches('Paris')).to.deep.equal([]);
  });

  it('serves the list engine through its list spec (filter, sort, search, tenant)', async () => {
    await sendDeal(deps(), 'acme', 'd1', create(ada, 's1', { amount: { amount: 500, currency: 'EUR' } }));
    await sendDeal(deps(), 'acme', 'd2', create({ firstName: 'Grace', lastName: 'Hopper', email: 'g@example.com' }, 's2'));
    const last = await sendDeal(deps(), 'globex', 'd3', create({ firstName: 'Alan', lastName: 'Hopper', email: 'a@example.com' }, 's3'));
    await runner.waitForPosition(last.position, 2_000);
    const spec = catalogueListSpec(dealKind, { records: table(), search: fts() });
    const list = (options: object) => listPage(env.readDb.db, spec, { tenantId: 'acme', ...options }, cursorKeyOf(Buffer.alloc(32))).data.map((r) => r.id);
    expect(list({ sort: '-amount.amount' })).to.deep.equal(['d2', 'd1']);
    expect(list({ filter: 'amount.amount[lt]:600' })).to.deep.equal(['d1']);
    expect(list({ q: 'hopper' })).to.deep.equal(['d2']);
  });

  it('scrubs an erased subject in its tenant only; a rebuild gives the same rows; no plaintext is left in read.db', async () => {
    await sendDeal(deps(), 'acme', 'd1', create(ada, 'subj-1'));
    await sendDeal(deps(), 'acme', 'd1', { type: 'UpdateRecord', changes: { email: 'adaqzx.newer@example.com', stage: 'won' } });
    await sendDeal(deps(), 'acme', 'd2', create({ firstName: 'Grace', lastName: 'Hopper', email: 'g@example.com' }, 'subj-2'));
    await sendDeal(deps(), 'globex', 'd1', create({ firstName: 'Other', lastName: 'Person', email: 'o@example.com' }, 'subj-1'));
    const erased = await eraseSubject(deps(), { subjectId: 'subj-1', reason: 'art. 17 request', context: contextOf('acme', '2026-03-03T00:00:00.000Z') });
    await runner.waitForPosition(erased.position, 2_000);

    const scrubbed = row('acme', 'd1');
    expect(scrubbed).to.include({ last_name: null, last_name__key: null, stage: 'won', amount__amount: 1_000, city: 'Paris', revision: 1 });
    expect(JSON.parse(scrubbed.fields as string)).to.deep.equal({
      firstName: null, lastName: null, email: null, stage: 'won', amount: { amount: 1_000, currency: 'EUR' }, city: 'Paris',
    });
    expect(matches('lovelaceqzx')).to.deep.equal([]);
    expect(matches('Paris')).to.have.length(3);
    expect(matches('hopper OR person')).to.deep.equal([{ tenant_id: 'acme', id: 'd2' }, { tenant_id: 'globex', id: 'd1' }]);
    expect(row('globex', 'd1')).to.include({ last_name: 'Person', subject_id: 'subj-1' });
    expect(plaintextIn(env.dir)).to.deep.equal([]);

    const before = { records: rowsOf(env.readDb, table()), search: rowsOf(env.readDb, fts()), indexes: indexesOf(table()) };
    await (await runner.rebuild(NAME)).done;
    expect({ records: rowsOf(env.readDb, table()), search: rowsOf(env.readDb, fts()), indexes: indexesOf(table()) }).to.deep.equal(before);
    await runner.close();
    await env.readDb.close();
    expect(plaintextIn(env.dir)).to.deep.equal([]);
  });
});

/** The erased person's values (as written, and as FTS5 tokens) found in read.db, its WAL or shm. */
const plaintextIn = (dir: string): string[] => {
  const values = [ada.firstName, ada.lastName, ada.email, 'adaqzx.newer@example.com'];
  const needles = [...values, ...values.map((v) => v.toLowerCase()), 'adaqzx', 'newer'];
  return readdirSync(dir)
    .filter((name) => name.startsWith('read.db'))
    .flatMap((name) => {
      const bytes = readFileSync(join(dir, name));
      return needles.filter((needle) => bytes.includes(Buffer.from(needle))).map((needle) => `${name}: ${needle}`);
    });
};
