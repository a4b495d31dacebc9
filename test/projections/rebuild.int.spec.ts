import { expect } from 'chai';
import { openReadDatabase, openReadDb } from '../../src/projections/read-db.js';
import { openRegistry, resolveTable, stateOf } from '../../src/projections/registry.js';
import { startProjections, type ProjectionRunner } from '../../src/projections/runner.js';
import { count, counterProjector, rowsOf, start, tableExists, until, useProjectionEnv } from './support.js';
import { thrown } from '../events/personal-data/support.js';

const NAME = 'test.counters';
const TOTALS = 'test_counters_totals';
const LOG = 'test_counters_log';

describe('projections: zero-downtime rebuilds', () => {
  const env = useProjectionEnv('crm-rebuild-');

  /** 2,000 events over 40 streams: 0 + 1 + … + 49 per stream. */
  const seed = async (): Promise<bigint> => {
    let last = 0n;
    for (let s = 0; s < 40; s++) last = await count(env.store, 'acme', `c${s}`, Array.from({ length: 50 }, (_, i) => i));
    return last;
  };

  /** One consistent read through the runner's resolver: both tables, one generation. */
  const readThrough = (runner: ProjectionRunner) => {
    const totals = runner.physicalTable(NAME, TOTALS);
    const log = runner.physicalTable(NAME, LOG);
    const db = env.readDb.db;
    return {
      generation: [totals.split('__')[1], log.split('__')[1]],
      rows: db.prepare(`SELECT count(*) AS n, sum(total) AS sum FROM "${totals}"`).get() as { n: number; sum: number },
      logged: db.prepare(`SELECT count(*) AS n, sum(by) AS sum FROM "${log}"`).get() as { n: number; sum: number },
    };
  };

  /** Reads on every turn of the event loop until `done` settles; answers how many reads were made. */
  const readWhile = async (done: Promise<unknown>, read: () => void): Promise<number> => {
    let settled = false;
    void done.finally(() => (settled = true));
    let reads = 0;
    while (!settled) {
      read();
      reads += 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return reads;
  };

  it('builds new tables while the old ones answer, swaps atomically, and the result equals the old', async () => {
    const head = await seed();
    const runner = await start(env, { projectors: [counterProjector()], batchSize: 100, dropAfterMs: 30 });
    await runner.waitForPosition(head, 5_000);
    const old = { totals: runner.physicalTable(NAME, TOTALS), log: runner.physicalTable(NAME, LOG) };
    const before = { totals: rowsOf(env.readDb, old.totals), log: rowsOf(env.readDb, old.log) };
    const other = openReadDatabase(env.readDb.file, { readonly: true });
    const ticket = await runner.rebuild(NAME);
    expect(await runner.rebuild(NAME)).to.deep.include({ generation: ticket.generation });
    const reads = await readWhile(ticket.done, () => {
      const seen = readThrough(runner);
      expect(seen.generation[0]).to.equal(seen.generation[1]);
      expect(seen.rows).to.deep.equal({ n: 40, sum: 40 * 1225 });
      expect(seen.logged).to.deep.equal({ n: 2_000, sum: 40 * 1225 });
      const n = other.transaction(() => other.prepare(`SELECT count(*) FROM "${resolveTable(other, NAME, LOG)}"`).pluck().get())();
      expect(n).to.equal(2_000);
    });
    other.close();
    expect(await ticket.done).to.equal('swapped');
    expect(reads, 'reads made during the rebuild').to.be.greaterThan(10);
    const now = { totals: runner.physicalTable(NAME, TOTALS), log: runner.physicalTable(NAME, LOG) };
    expect(now.totals).to.not.equal(old.totals);
    expect({ totals: rowsOf(env.readDb, now.totals), log: rowsOf(env.readDb, now.log) }).to.deep.equal(before);
    await until(() => !tableExists(env.readDb, old.totals) && !tableExists(env.readDb, old.log), 2_000, 'old tables dropped');
  });

  it('keeps the live tables up to date during a rebuild and loses nothing appended meanwhile', async () => {
    await seed();
    const runner = await start(env, { projectors: [counterProjector()], batchSize: 50 });
    await until(async () => (await runner.status())[0]!.status === 'live');
    const ticket = await runner.rebuild(NAME);
    expect((await runner.status())[0]!.status).to.equal('rebuilding');
    let last = 0n;
    let seen = 0;
    for (let i = 0; i < 20; i++) {
      last = await count(env.store, 'acme', 'late', [1]);
      const { n } = readThrough(runner).logged;
      expect(n).to.be.at.least(seen);
      seen = n;
    }
    await ticket.done;
    await runner.waitForPosition(last, 2_000);
    expect(readThrough(runner).logged).to.deep.equal({ n: 2_020, sum: 40 * 1225 + 20 });
  });

  it('a failing rebuild stops alone: the live tables keep up, and it completes once fixed', async () => {
    let broken = true;
    const head = await seed();
    const projector = counterProjector({ fail: (_e, table) => broken && !table.endsWith('_1') });
    const runner = await start(env, { projectors: [projector], batchSize: 500, backoff: { initialMs: 10, maxMs: 20 } });
    await runner.waitForPosition(head, 5_000);
    const ticket = await runner.rebuild(NAME);
    await until(async () => ((await runner.status())[0]!.error?.attempts ?? 0) >= 2, 2_000, 'the rebuild failing');
    const status = (await runner.status())[0]!;
    expect(status).to.deep.include({ status: 'failed', checkpoint: head });
    expect(status.rebuild).to.deep.include({ generation: ticket.generation, checkpoint: 0n });
    const late = await count(env.store, 'acme', 'late', [5]);
    await runner.waitForPosition(late, 2_000);
    expect(readThrough(runner).logged).to.deep.equal({ n: 2_001, sum: 40 * 1225 + 5 });
    broken = false;
    expect(await ticket.done).to.equal('swapped');
    expect(runner.physicalTable(NAME, LOG)).to.match(new RegExp(`_${ticket.generation}$`));
    expect(readThrough(runner).logged).to.deep.equal({ n: 2_001, sum: 40 * 1225 + 5 });
  });

  it('rebuilds at start when the declared version changed; the old tables answer until the swap', async () => {
    const head = await seed();
    const v1 = await start(env, { projectors: [counterProjector()] });
    await v1.waitForPosition(head, 5_000);
    const oldTable = v1.physicalTable(NAME, TOTALS);
    await v1.close();
    const v2 = await start(env, { projectors: [counterProjector({ version: 2, factor: 10 })], batchSize: 100, dropAfterMs: 10 });
    expect(v2.physicalTable(NAME, TOTALS)).to.equal(oldTable);
    const ticket = await v2.rebuild(NAME);
    expect(ticket).to.include({ version: 2 });
    // The API's readers (resolveTable) are not served the v1 layout while v2 rebuilds: 503, retry shortly.
    const refused = thrown(() => resolveTable(env.readDb.db, NAME, TOTALS));
    expect(refused).to.include({ code: 'read_model_rebuilding', status: 503 });
    const sums = new Set<number>();
    await readWhile(ticket.done, () => sums.add(readThrough(v2).rows.sum));
    expect([...sums][0], 'the first read: the v1 tables').to.equal(40 * 1225);
    expect([...sums].every((sum) => sum === 40 * 1225 || sum === 40 * 12250), 'never a mixed table').to.equal(true);
    expect(v2.physicalTable(NAME, TOTALS)).to.match(/__v2_\d+$/);
    expect(resolveTable(env.readDb.db, NAME, TOTALS)).to.equal(v2.physicalTable(NAME, TOTALS));
    expect(readThrough(v2).rows).to.deep.equal({ n: 40, sum: 40 * 12250 });
    expect(stateOf(openRegistry(env.readDb.db), NAME)).to.deep.include({ version: 2, checkpoint: head, next: undefined });
    await until(() => !tableExists(env.readDb, oldTable), 2_000, 'the v1 table dropped');
  });

  it('resumes an interrupted rebuild from its checkpoint after a restart', async () => {
    const head = await seed();
    const first = await start(env, { projectors: [counterProjector()], batchSize: 100 });
    await first.waitForPosition(head, 5_000);
    await first.close();
    const crashing = counterProjector({ version: 2, fail: (e) => e.position > 1_000n });
    const second = await start(env, { projectors: [crashing], batchSize: 100, backoff: { initialMs: 60_000, maxMs: 60_000 } });
    await until(async () => (await second.status())[0]!.status === 'failed', 2_000, 'the crash');
    await second.close();
    const progress = stateOf(openRegistry(env.readDb.db), NAME)!.next;
    expect(progress).to.deep.include({ version: 2, checkpoint: 1_000n });
    const third = await start(env, { projectors: [counterProjector({ version: 2 })], batchSize: 100 });
    const ticket = await third.rebuild(NAME);
    expect(ticket.generation).to.equal(progress!.generation);
    await ticket.done;
    expect(readThrough(third).logged).to.deep.equal({ n: 2_000, sum: 40 * 1225 });
  });

  it("two runners on one read.db (the server's and a CLI rebuild's): neither fails on rows the other applied, and the rebuild settles whichever swaps", async () => {
    const head = await seed();
    const other = openReadDb(env.dir); // a second connection, as the CLI's process has
    const server = await start(env, { projectors: [counterProjector()], batchSize: 50, pollMs: 20 });
    const cli = await startProjections({ store: env.store, keyStore: env.keyStore, readDb: other, projectors: [counterProjector()], batchSize: 50, pollMs: 20 });
    try {
      await server.waitForPosition(head, 5_000);
      const ticket = await cli.rebuild(NAME);
      let last = head;
      for (let i = 0; i < 30; i++) last = await count(env.store, 'acme', `late${i % 5}`, [1, 2]);
      const outcome = await Promise.race([ticket.done, new Promise((resolve) => setTimeout(resolve, 10_000, 'timed out'))]);
      expect(outcome).to.equal('swapped');
      for (const runner of [server, cli]) {
        await runner.waitForPosition(last, 5_000);
        expect((await runner.status())[0]).to.include({ status: 'live', checkpoint: last });
      }
      expect(readThrough(server).logged).to.deep.equal({ n: 2_060, sum: 40 * 1225 + 90 });
    } finally {
      await cli.close();
      await other.close();
    }
  });

  it('two runners following the log on one read.db: the one that finds its events applied by the other reloads, never fails', async () => {
    const other = openReadDb(env.dir);
    const first = await start(env, { projectors: [counterProjector()], batchSize: 10, pollMs: 20 });
    const second = await startProjections({ store: env.store, keyStore: env.keyStore, readDb: other, projectors: [counterProjector()], batchSize: 10, pollMs: 20 });
    try {
      let last = 0n;
      for (let i = 0; i < 40; i++) last = await count(env.store, 'acme', `c${i % 7}`, [1]);
      for (const runner of [first, second]) {
        await until(async () => (await runner.status())[0]!.checkpoint === last, 5_000, 'both runners at the head');
        expect((await runner.status())[0]).to.include({ status: 'live' }).and.not.to.have.property('error');
      }
      expect(readThrough(first).logged).to.deep.equal({ n: 40, sum: 40 });
    } finally {
      await second.close();
      await other.close();
    }
  });

  it("settles a CLI rebuild's ticket when another runner's newer rebuild is swapped in (the CLI must not wait forever)", async () => {
    const head = await seed();
    const other = openReadDb(env.dir);
    const server = await start(env, { projectors: [counterProjector()], batchSize: 1_000, pollMs: 10 });
    await server.waitForPosition(head, 5_000);
    const cli = await startProjections({ store: env.store, keyStore: env.keyStore, readDb: other, projectors: [counterProjector()], batchSize: 5, pollMs: 10 });
    try {
      const ticket = await cli.rebuild(NAME);
      const newer = await server.rebuild(NAME); // an operator's rebuild through the API, meanwhile
      expect(newer.generation).to.be.above(ticket.generation);
      const outcome = await Promise.race([ticket.done, new Promise((resolve) => setTimeout(resolve, 10_000, 'timed out'))]);
      expect(outcome).to.equal('swapped');
      expect(stateOf(openRegistry(env.readDb.db), NAME)!.generation).to.be.at.least(newer.generation);
      expect(readThrough(server).logged).to.deep.equal({ n: 2_000, sum: 40 * 1225 });
    } finally {
      await cli.close();
      await other.close();
    }
  });
});
