import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuplicateEventIdError, WrongExpectedVersion, type EventStore } from '../../../src/events/log/port.js';
import { openSqliteEventStore } from '../../../src/events/log/sqlite.js';
import { startWriterThread } from '../../../src/events/log/sqlite-writer-client.js';
import { streamName } from '../../../src/events/log/stream-name.js';
import { caught } from '../../support/caught.js';
import { exitOf, spawnTs } from '../../support/process.js';
import { event } from './contract.js';

const waitUntil = async (done: () => boolean, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(done(), 'in time').to.equal(true);
};

const wire = (stream: string, expected: 'any' | 'no_stream' | bigint = 'any', id = randomUUID()) => ({
  stream, expected, events: [{ id, type: 'Written', schemaVersion: 1, data: '{}', metadata: '{}' }],
});

/** Appends in concurrent rounds long enough for the store to have started its writer thread. */
const warmUp = async (store: EventStore): Promise<void> => {
  const end = Date.now() + 1500;
  while (Date.now() < end) {
    await Promise.all(Array.from({ length: 16 }, () => store.append(streamName('warm', 'test.thing', randomUUID()), [event()])));
  }
};

describe('SQLite store: the writer thread', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'crm-writer-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('commits a batch in one transaction and answers per append, conflicts as typed data', async () => {
    await openSqliteEventStore(join(dir, 'events.db')).close(); // creates the table
    const thread = startWriterThread(join(dir, 'events.db'));
    await waitUntil(() => thread.ready());
    const taken = randomUUID();
    const s = streamName('gc', 'test.thing', randomUUID());
    const result = await thread.write([wire(s, 'no_stream', taken), wire(s, 'no_stream'), wire(streamName('gc', 'test.thing', randomUUID()), 'any', taken)], 'now');
    await thread.close();
    expect('outcomes' in result && result.outcomes.map((o) => (o.ok ? 'ok' : o.error.kind))).to.deep.equal([
      'ok', 'wrong_expected_version', 'duplicate_event_id',
    ]);
  });

  it('once appends come in together, they still commit together and fail one by one, with the port\'s errors', async () => {
    const store = openSqliteEventStore(join(dir, 'events.db'));
    await warmUp(store);
    const contested = streamName('gc', 'test.thing', randomUUID());
    const first = await store.append(contested, [event()]);
    const taken = (await store.readStream(contested))[0]!.id;
    const others = Array.from({ length: 62 }, () => store.append(streamName('gc', 'test.thing', randomUUID()), [event()]));
    const conflicting = store.append(contested, [event()], { expectedRevision: 5n });
    const duplicate = store.append(streamName('gc', 'test.thing', randomUUID()), [{ ...event(), id: taken }]);
    await Promise.all(others);
    expect(await caught(conflicting)).to.be.instanceOf(WrongExpectedVersion);
    expect(await caught(duplicate)).to.be.instanceOf(DuplicateEventIdError);
    const written = await store.readAll({ after: first.position, maxCount: 1000 });
    expect(written).to.have.length(62);
    expect(new Set(written.map((e) => e.recordedAt.getTime())).size, 'one commit stamps one time').to.equal(1);
    await store.close();
  });

  it('wakes subscriptions after commits made on the thread', async () => {
    const store = openSqliteEventStore(join(dir, 'events.db'));
    await warmUp(store);
    const head = await store.headPosition();
    const subscription = store.subscribeToAll({ after: head });
    const appended = await Promise.all(Array.from({ length: 8 }, () => store.append(streamName('sub', 'test.thing', randomUUID()), [event()])));
    const seen: bigint[] = [];
    for await (const e of subscription) if (seen.push(e.position) === 8) break;
    expect(seen).to.deep.equal(appended.map((a) => a.position).sort((a, b) => (a < b ? -1 : 1)));
    await subscription.close();
    await store.close();
  });

  it('closing drains appends in flight, and the process then ends by itself (no thread keeps it alive)', async () => {
    const child = spawnTs('test/events/log/fixtures/close.ts', [dir], {});
    let [out, err] = ['', ''];
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    expect(await exitOf(child), err).to.deep.equal({ code: 0, signal: null });
    const acks = Number(/closed (\d+)/.exec(out)?.[1]);
    const store = openSqliteEventStore(join(dir, 'events.db'));
    expect((await store.readAll({ maxCount: 100_000 })).length).to.be.at.least(acks).and.greaterThan(0);
    await store.close();
  });
});
