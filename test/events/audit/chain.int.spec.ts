import { expect } from 'chai';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_DB_FILE, openChainDb, type ChainDb } from '../../../src/events/audit/chain.js';
import { sealPending, startChainSealer, type ChainSealer } from '../../../src/events/audit/sealer.js';
import { verifyChain } from '../../../src/events/audit/verify.js';
import type { EventStore } from '../../../src/events/log/port.js';
import { openSqliteEventStore } from '../../../src/events/log/sqlite.js';
import { streamName } from '../../../src/events/log/stream-name.js';
import { event } from '../log/contract.js';

const silent = { error: () => undefined };

describe('audit chain: sealer and verify over the SQLite store', () => {
  let dir: string;
  let store: EventStore;
  let chain: ChainDb;
  let sealer: ChainSealer;
  const stream = streamName('acme', 'sales.contact', 'c1');

  const appendThree = async (): Promise<bigint> => {
    await store.append(stream, [event('ContactCreated', { n: 1 })]);
    await store.append(stream, [event('ContactUpdated', { n: 2 }), event('ContactUpdated', { n: 3 })]);
    return store.headPosition();
  };
  const sql = (file: string, statement: string, ...params: unknown[]) => {
    const db = new Database(join(dir, file));
    db.prepare(statement).run(...params);
    db.close();
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crm-chain-'));
    store = openSqliteEventStore(join(dir, 'events.db'));
    chain = openChainDb(join(dir, AUDIT_DB_FILE));
    sealer = startChainSealer(store, chain, silent);
  });
  afterEach(async () => {
    await sealer.stop();
    chain.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('seals every event within milliseconds of its commit and verifies the whole chain', async () => {
    const head = await appendThree();
    const started = performance.now();
    await sealer.waitFor(head, 2_000);
    expect(performance.now() - started).to.be.below(250);
    const report = await verifyChain(store, chain);
    expect(report).to.include({ ok: true, eventsChecked: 3, headPosition: 3, unsealed: 0, broken: null });
    expect(report.headHash).to.match(/^[0-9a-f]{64}$/);
  });

  it('names a changed event (one byte of its stored data)', async () => {
    await sealer.waitFor(await appendThree(), 2_000);
    sql('events.db', "UPDATE events SET data = replace(data, '2', '7') WHERE position = 2");
    const { ok, broken } = await verifyChain(store, chain);
    expect(ok).to.equal(false);
    expect(broken).to.include({ position: 2, stream, problem: 'changed' });
  });

  it('names an event never sealed between sealed ones (inserted)', async () => {
    await sealer.waitFor(await appendThree(), 2_000);
    sql(AUDIT_DB_FILE, 'DELETE FROM chain WHERE position = 2');
    expect((await verifyChain(store, chain)).broken).to.include({ position: 2, stream, problem: 'inserted' });
  });

  it('names a sealed event the log no longer holds (missing), in the middle or at the end', async () => {
    await sealer.waitFor(await appendThree(), 2_000);
    sql('events.db', 'DELETE FROM events WHERE position = 3');
    expect((await verifyChain(store, chain)).broken).to.include({ position: 3, stream, problem: 'missing' });
    sql('events.db', 'DELETE FROM events WHERE position = 2');
    expect((await verifyChain(store, chain)).broken).to.include({ position: 2, stream, problem: 'missing' });
  });

  it('names an event the store can no longer read (unreadable), not the page it sits in', async () => {
    await sealer.waitFor(await appendThree(), 2_000);
    sql('events.db', "UPDATE events SET metadata = '{broken' WHERE position = 3");
    const report = await verifyChain(store, chain);
    expect(report.broken).to.include({ position: 3, problem: 'unreadable' });
    expect(report.eventsChecked).to.equal(2);
  });

  it('reports the unsealed tail without breaking, and seals it only when asked', async () => {
    await sealer.stop();
    const head = await appendThree();
    expect(await verifyChain(store, chain)).to.include({ ok: true, eventsChecked: 0, unsealed: 3 });
    expect(await sealPending(store, chain)).to.equal(3);
    expect(await verifyChain(store, chain)).to.include({ ok: true, eventsChecked: 3, headPosition: Number(head), unsealed: 0 });
    sealer = startChainSealer(store, chain, silent);
  });

  it('verifies up to the links sealed when it started: later ones are the next verify\'s', async () => {
    await sealer.stop();
    await appendThree();
    chain.seal((await store.readAll()).slice(0, 2));
    const running = verifyChain(store, chain);
    chain.seal(await store.readAll());
    expect(await running).to.include({ ok: true, eventsChecked: 2, unsealed: 1 });
    expect(await verifyChain(store, chain)).to.include({ ok: true, eventsChecked: 3, unsealed: 0 });
    sealer = startChainSealer(store, chain, silent);
  });

  it('resumes from its own tail after a restart and never re-derives a sealed link', async () => {
    await sealer.waitFor(await appendThree(), 2_000);
    await sealer.stop();
    const before = chain.linksAfter(0n, 10);
    await store.append(streamName('acme', 'sales.contact', randomUUID()), [event('ContactCreated')]);
    sealer = startChainSealer(store, chain, silent);
    await sealer.waitFor(4n, 2_000);
    const after = chain.linksAfter(0n, 10);
    expect(after.slice(0, 3)).to.deep.equal(before);
    expect(after.map((l) => l.position)).to.deep.equal([1n, 2n, 3n, 4n]);
    expect(chain.seal(await store.readAll())).to.equal(0);
    expect((await verifyChain(store, chain)).ok).to.equal(true);
  });
});

const esdbUrl = process.env.EVENTSTORE_URL;

(esdbUrl ? describe : describe.skip)('audit chain: sealer and verify over EventStoreDB (EVENTSTORE_URL)', () => {
  it('seals what the catch-up subscription delivers and verifies the whole chain', async function () {
    this.timeout(60_000);
    const { openEventStoreDbStore } = await import('../../../src/events/log/eventstoredb.js');
    const dir = mkdtempSync(join(tmpdir(), 'crm-chain-esdb-'));
    const store = openEventStoreDbStore(esdbUrl!);
    const chain = openChainDb(join(dir, AUDIT_DB_FILE));
    const sealer = startChainSealer(store, chain, silent);
    try {
      const { position } = await store.append(streamName('acme', 'sales.contact', randomUUID()), [event('ContactCreated')]);
      await sealer.waitFor(position, 30_000);
      const report = await verifyChain(store, chain);
      expect(report).to.include({ ok: true, broken: null });
      expect(report.eventsChecked).to.be.at.least(1);
    } finally {
      await sealer.stop();
      chain.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
