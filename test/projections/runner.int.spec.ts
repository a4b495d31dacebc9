import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { UnavailableError } from '../../src/errors.js';
import { streamName } from '../../src/events/log/stream-name.js';
import { personalDataDescriptor, protect } from '../../src/events/personal-data/protect.js';
import { upcasters } from '../../src/events/upcasting.js';
import type { ProjectedEvent, Projector } from '../../src/projections/projector.js';
import { stateOf, openRegistry } from '../../src/projections/registry.js';
import { noneFailed } from '../../src/projections/status.js';
import { caught } from '../support/caught.js';
import { count, counterProjector, start, until, useProjectionEnv } from './support.js';

describe('projections: the runner', () => {
  const env = useProjectionEnv();
  const totals = (table = 'test_counters_totals') =>
    env.readDb.db.prepare(`SELECT tenant_id, id, total FROM "${env.runners[0]!.physicalTable('test.counters', table)}" ORDER BY tenant_id, id`).all();
  const statusOf = async (name: string) => (await env.runners[0]!.status()).find((s) => s.name === name)!;

  it('applies a batch and its checkpoint in one transaction: a throw halfway leaves neither', async () => {
    const positions = [];
    for (let i = 1; i <= 5; i++) positions.push(await count(env.store, 'acme', `c${i}`, [i]));
    const third = positions[2]!;
    await start(env, {
      projectors: [counterProjector({ fail: (e) => e.position === third })],
      batchSize: 5, backoff: { initialMs: 60_000, maxMs: 60_000 },
    });
    await until(async () => (await statusOf('test.counters')).status === 'failed');
    const status = await statusOf('test.counters');
    expect(status.error).to.include({ position: third, attempts: 1 });
    expect(status.error!.message).to.equal(`cannot count event at ${third}`);
    expect(status.checkpoint).to.equal(0n);
    expect(totals()).to.deep.equal([]);
    expect(stateOf(openRegistry(env.readDb.db), 'test.counters')!.checkpoint).to.equal(0n);
  });

  it('stops a failing projector alone, backs off, and resumes once the cause is fixed', async () => {
    let broken = true;
    const head = await count(env.store, 'acme', 'a', [1, 2, 3]);
    const runner = await start(env, {
      projectors: [counterProjector(), counterProjector({ name: 'test.fragile', fail: (e) => broken && e.data.by === 2 })],
      batchSize: 2, backoff: { initialMs: 10, maxMs: 40 },
    });
    await until(async () => ((await statusOf('test.fragile')).error?.attempts ?? 0) >= 3, 3_000, 'retries');
    const fragile = await statusOf('test.fragile');
    expect(fragile).to.include({ status: 'failed', checkpoint: 0n });
    expect(await statusOf('test.counters')).to.include({ status: 'live', checkpoint: head, lag: 0n });
    broken = false;
    await until(async () => (await statusOf('test.fragile')).status === 'live', 3_000, 'recovery');
    expect((await statusOf('test.fragile')).error).to.equal(undefined);
    const fragileTotals = env.readDb.db.prepare(`SELECT total FROM "${runner.physicalTable('test.fragile', 'test_fragile_totals')}"`).pluck().all();
    expect(fragileTotals).to.deep.equal([6]);
  });

  it('noneFailed (the readiness check) rejects naming the failed projector alone, without its error', async () => {
    await count(env.store, 'acme', 'a', [1]);
    const runner = await start(env, {
      projectors: [counterProjector(), counterProjector({ name: 'test.broken', fail: () => true })],
      backoff: { initialMs: 60_000, maxMs: 60_000 },
    });
    await until(async () => (await statusOf('test.broken')).status === 'failed');
    expect((await caught(noneFailed(runner)) as Error).message).to.equal('test.broken');
  });

  it('is woken right after each commit (not by polling) and reports status', async () => {
    const runner = await start(env, { projectors: [counterProjector()], pollMs: 60_000 });
    await until(async () => (await statusOf('test.counters')).status === 'live');
    const before = Date.now();
    const position = await count(env.store, 'acme', 'a', [5, 6]);
    await until(() => totals().length === 1, 1_000, 'the appended events');
    expect(Date.now() - before).to.be.below(1_000);
    expect(totals()).to.deep.equal([{ tenant_id: 'acme', id: 'a', total: 11 }]);
    const status = (await runner.status())[0]!;
    expect(status).to.include({ name: 'test.counters', version: 1, status: 'live', checkpoint: position, lag: 0n });
    expect(status.rate).to.be.greaterThan(0);
  });

  it('waitForPosition resolves once the read model has the write, and times out with consistency_timeout', async () => {
    const runner = await start(env, { projectors: [counterProjector()] });
    const position = await count(env.store, 'acme', 'a', [7]);
    await runner.waitForPosition(position, 2_000);
    expect(totals()).to.deep.equal([{ tenant_id: 'acme', id: 'a', total: 7 }]);
    const error = await caught(runner.waitForPosition(position + 1_000n, 50));
    expect(error).to.be.instanceOf(UnavailableError);
    expect(error).to.include({ code: 'consistency_timeout', status: 503 });
    expect((error as UnavailableError).extra).to.deep.equal({ retryAfter: 1 });
  });

  it('waitForPosition skips a failed projector unless it is named', async () => {
    const runner = await start(env, {
      projectors: [counterProjector(), counterProjector({ name: 'test.broken', fail: () => true })],
      backoff: { initialMs: 60_000, maxMs: 60_000 },
    });
    const position = await count(env.store, 'acme', 'a', [1]);
    await until(async () => (await statusOf('test.broken')).status === 'failed');
    await runner.waitForPosition(position, 1_000);
    expect(await caught(runner.waitForPosition(position, 50, ['test.broken']))).to.include({ code: 'consistency_timeout' });
    expect(await caught(runner.waitForPosition(position, 50, ['nope']))).to.include({ code: 'not_found' });
  });

  it('hands projectors upcast data with personal fields revealed, and erased ones as null', async () => {
    const seen: ProjectedEvent[] = [];
    const spec = { subjectField: 'subjectId', fields: ['email'] };
    const append = async (subjectId: string, email: string) => {
      const data = protect(env.keyStore, 'acme', spec, { subjectId, email, old: 1 });
      const metadata = { tenantId: 'acme', personalData: personalDataDescriptor(spec, data)! };
      const event = { id: randomUUID(), type: 'Noted', schemaVersion: 1, data, metadata };
      return (await env.store.append(streamName('acme', 'test.note', subjectId), [event])).position;
    };
    await append('s1', 'one@example.com');
    const last = await append('s2', 'two@example.com');
    env.keyStore.erase('acme', 's2', { by: 'admin', reason: 'request', at: new Date() });
    const runner = await start(env, {
      upcasters: upcasters([{ type: 'Noted', from: 1, up: ({ old, ...rest }) => ({ ...rest, renamed: old ?? null }) }]),
      projectors: [{ name: 'test.notes', version: 1, handles: ['Noted'], tables: {}, apply: (_tx, e) => void seen.push(e) }],
    });
    await runner.waitForPosition(last, 2_000);
    expect(seen.map((e) => e.data)).to.deep.equal([
      { subjectId: 's1', email: 'one@example.com', renamed: 1 },
      { subjectId: 's2', email: null, renamed: 1 },
    ]);
    expect(seen.map((e) => e.erased)).to.deep.equal([[], ['email']]);
  });

  it('passes pages with nothing to apply without a transaction: saved with the next batch, after a batch of them, and at close', async () => {
    const saved = () => stateOf(openRegistry(env.readDb.db), 'test.counters')!.checkpoint;
    const ignored = async (n: number) => {
      const events = Array.from({ length: n }, () => ({ id: randomUUID(), type: 'Ignored', schemaVersion: 1, data: {}, metadata: { tenantId: 'acme' } }));
      return (await env.store.append(streamName('acme', 'test.other', randomUUID()), events)).position;
    };
    const runner = await start(env, { projectors: [counterProjector()], batchSize: 5 });
    const counted = await count(env.store, 'acme', 'a', [1]);
    await runner.waitForPosition(counted, 2_000);
    expect(saved()).to.equal(counted);
    const passed = await ignored(2);
    await runner.waitForPosition(passed, 2_000);
    expect((await statusOf('test.counters')).checkpoint).to.equal(passed);
    expect(saved()).to.equal(counted);
    const next = await count(env.store, 'acme', 'a', [2]);
    await runner.waitForPosition(next, 2_000);
    expect(saved()).to.equal(next);
    await ignored(3);
    const fifth = await ignored(2);
    await until(() => saved() === fifth, 2_000, 'a batch of passed events saved');
    const last = await ignored(1);
    await runner.waitForPosition(last, 2_000);
    expect(saved()).to.equal(fifth);
    await runner.close();
    expect(saved()).to.equal(last);
    expect(totals()).to.deep.equal([{ tenant_id: 'acme', id: 'a', total: 3 }]);
  });

  it('keeps tenants apart: the same id in two tenants is two rows', async () => {
    const runner = await start(env, { projectors: [counterProjector()] });
    await count(env.store, 'acme', 'x', [1]);
    const position = await count(env.store, 'globex', 'x', [2]);
    await runner.waitForPosition(position, 2_000);
    expect(totals()).to.deep.equal([
      { tenant_id: 'acme', id: 'x', total: 1 },
      { tenant_id: 'globex', id: 'x', total: 2 },
    ]);
  });

  it('refuses projectors whose tables lack tenant_id, or that clash', async () => {
    const bad: Projector = { name: 'test.bad', version: 1, handles: [], tables: { bad_rows: (t) => void t.text('id') }, apply: () => {} };
    expect(await caught(start(env, { projectors: [bad] }))).to.include({ code: 'invalid_projector' });
    const twice = [counterProjector(), counterProjector()];
    expect(await caught(start(env, { projectors: twice }))).to.include({ code: 'invalid_projector' });
  });
});
