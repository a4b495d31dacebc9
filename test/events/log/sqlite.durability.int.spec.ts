import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WrongExpectedVersion } from '../../../src/events/log/port.js';
import { openSqliteEventStore } from '../../../src/events/log/sqlite.js';
import { streamName } from '../../../src/events/log/stream-name.js';
import { exitOf, spawnTs, waitForLine } from '../../support/process.js';
import { caught } from '../../support/caught.js';
import { event } from './contract.js';

describe('SQLite store: durability and group commit', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-durability-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const [round, killAfterMs] of [[1, 150], [2, 400], [3, 900]] as const) {
    it(`kill -9 while 16 writers append (round ${round}): every acknowledged event is there, no append is partial`, async () => {
      const file = join(dir, 'events.db');
      const child = spawnTs('test/events/log/fixtures/writer.ts', [file], {});
      let out = '';
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      await waitForLine(child, (l) => l === 'started');
      await new Promise((r) => setTimeout(r, killAfterMs));
      child.kill('SIGKILL');
      await exitOf(child);
      const acks = out.split('\n').filter((l) => l.startsWith('ack ')).map((l) => l.split(' '));
      expect(acks.length).to.be.greaterThan(0);

      const store = openSqliteEventStore(file);
      for (const [, stream, nextRevision, ids] of acks) {
        const stored = await store.readStream(stream!, { from: BigInt(nextRevision!) - 2n, maxCount: 3 });
        expect(stored.map((e) => e.id).join(',')).to.equal(ids);
      }
      const all = await store.readAll({ maxCount: 100_000 });
      const perStream = new Map<string, typeof all>();
      for (const e of all) perStream.set(e.stream, [...(perStream.get(e.stream) ?? []), e]);
      for (const events of perStream.values()) {
        expect(events.length % 3, 'an append was cut in half').to.equal(0);
        events.forEach((e, i) => expect(e.data.i).to.equal(i % 3));
      }
      expect(all.length).to.be.at.least(acks.length * 3);
      await store.close();
    });
  }

  it('appends arriving together are committed in one transaction, and a conflict fails only its own append', async () => {
    const store = openSqliteEventStore(join(dir, 'events.db'));
    const contested = streamName('gc', 'test.thing', randomUUID());
    await store.append(contested, [event()]);
    const others = Array.from({ length: 63 }, () => store.append(streamName('gc', 'test.thing', randomUUID()), [event()]));
    const conflicting = store.append(contested, [event()], { expectedRevision: 5n });
    const results = await Promise.all(others);
    expect(await caught(conflicting)).to.be.instanceOf(WrongExpectedVersion);
    const written = (await store.readAll({ maxCount: 1000 })).slice(1);
    expect(written).to.have.length(63);
    expect(new Set(written.map((e) => e.recordedAt.getTime())).size, 'one commit stamps one time').to.equal(1);
    expect(results.map((r) => r.position)).to.deep.equal(written.map((e) => e.position));
    await store.close();
  });

  it('an append is acknowledged only after its commit: a reader on another connection sees it', async () => {
    const file = join(dir, 'events.db');
    const store = openSqliteEventStore(file);
    const s = streamName('gc', 'test.thing', randomUUID());
    await store.append(s, [event()]);
    const other = openSqliteEventStore(file);
    expect(await other.readStream(s)).to.have.length(1);
    await other.close();
    await store.close();
  });
});
