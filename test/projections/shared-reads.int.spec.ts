import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { EventStore, RecordedEvent } from '../../src/events/log/port.js';
import { openSqliteEventStore } from '../../src/events/log/sqlite.js';
import { PERSONAL_DATA_ERASED } from '../../src/events/personal-data/erased.js';
import { sharedReads, sharedReveals } from '../../src/projections/shared-reads.js';
import type { ProjectedEvent } from '../../src/projections/projector.js';

const event = (type = 'ContactTagged') => ({ id: randomUUID(), type, schemaVersion: 1, data: {}, metadata: {} });
const positions = (page: RecordedEvent[]) => page.map((e) => Number(e.position));

describe('sharedReads and sharedReveals (the runner\'s workers reading the log together)', () => {
  let dir: string;
  let store: EventStore;
  let shared: EventStore;
  const append = (n: number) => store.append(`acme/sales.contact/${randomUUID()}`, Array.from({ length: n }, () => event()));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-shared-'));
    store = openSqliteEventStore(join(dir, 'events.db'));
    shared = sharedReads(store);
  });
  afterEach(async () => (await store.close(), rmSync(dir, { recursive: true, force: true })));

  it('answers each reader what the store would, from wherever its checkpoint is, the same objects for all', async () => {
    await append(5);
    const first = await shared.readAll({ after: 0n, maxCount: 3 });
    expect(positions(first)).to.deep.equal([1, 2, 3]);
    await append(4);
    expect(positions(await shared.readAll({ after: 3n, maxCount: 10 }))).to.deep.equal([4, 5, 6, 7, 8, 9]);
    const behind = await shared.readAll({ after: 1n, maxCount: 4 });
    expect(positions(behind)).to.deep.equal([2, 3, 4, 5]);
    expect(behind[0]).to.equal(first[1]);
    expect(await shared.readAll({ after: 9n, maxCount: 10 })).to.deep.equal([]);
  });

  it('fills a page whenever the log has that many events after the position (a short page means caught up)', async () => {
    await append(2);
    await shared.readAll({ after: 0n, maxCount: 2 });
    await append(6);
    expect(positions(await shared.readAll({ after: 1n, maxCount: 5 }))).to.deep.equal([2, 3, 4, 5, 6]);
  });

  it('reveals an event once for every reader, and again after an erasure was read', () => {
    let reveals = 0;
    const read = sharedReveals((e) => (reveals += 1, { ...e, erased: [] } as ProjectedEvent));
    const recorded = { ...event(), stream: 'acme/sales.contact/x', revision: 0n, position: 1n, recordedAt: new Date() };
    expect(read(recorded)).to.equal(read(recorded));
    expect(reveals).to.equal(1);
    read({ ...recorded, type: PERSONAL_DATA_ERASED, position: 2n });
    read(recorded);
    expect(reveals).to.equal(3);
  });
});
