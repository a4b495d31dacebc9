import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { EventStore } from '../../src/events/log/port.js';
import { openSqliteEventStore } from '../../src/events/log/sqlite.js';
import { trackAppends, trackerOf, type AppendTracker } from '../../src/http/uniqueness-claims.js';

const event = (type: string, commandId: string = randomUUID()) => ({ id: randomUUID(), type, schemaVersion: 1, data: {}, metadata: { tenantId: 'acme', commandId } });

describe('trackAppends (what the uniqueness check knows without waiting for the index)', () => {
  let dir: string;
  let inner: EventStore;
  let store: EventStore;
  let tracker: AppendTracker;
  const append = (type: string, commandId?: string) => store.append(`acme/sales.contact/${randomUUID()}`, [event(type, commandId)]);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-claims-'));
    inner = openSqliteEventStore(join(dir, 'events.db'));
    store = trackAppends(inner, ['ContactCreated']);
    tracker = trackerOf(store)!;
  });
  afterEach(async () => (await inner.close(), rmSync(dir, { recursive: true, force: true })));

  it('covers appends that claim nothing, and claiming appends made while reserving, holding their reservations', async () => {
    await append('ContactTagged');
    const reserved = await tracker.reserving({ tenantId: 'acme', commandId: 'cmd-1' }, [{ key: 'acme\0email\0h1', recordId: 'c1' }], () => append('ContactCreated', 'cmd-1'));
    expect(tracker.covers(0n, reserved.position)).to.equal(true);
    expect(tracker.reservedBy('acme\0email\0h1', 'c2', 0n)).to.equal('c1');
    expect(tracker.reservedBy('acme\0email\0h1', 'c1', 0n)).to.equal(undefined);
  });

  it('does not cover a claiming append made without a reservation (a lead conversion), until the index passes it', async () => {
    const unaccounted = await append('ContactCreated');
    const later = await append('ContactTagged');
    expect(tracker.covers(0n, later.position)).to.equal(false);
    expect(tracker.covers(unaccounted.position, later.position)).to.equal(true);
  });

  it('counts a claiming append of another command, made while a write reserves, as unaccounted (and gives it no reservation)', async () => {
    let other: { position: bigint } | undefined;
    const reserved = await tracker.reserving({ tenantId: 'acme', commandId: 'cmd-1' }, [{ key: 'k', recordId: 'c1' }], async () => {
      other = await append('ContactCreated', 'cmd-2');
      return append('ContactCreated', 'cmd-1');
    });
    expect(tracker.covers(0n, other!.position)).to.equal(false);
    expect(tracker.covers(other!.position, reserved.position)).to.equal(true);
    expect(tracker.reservedBy('k', 'c2', 0n)).to.equal('c1');
    expect(tracker.reservedBy('k', 'c2', reserved.position)).to.equal(undefined);
  });

  it('does not cover positions it never saw (another process), and drops reservations the index has applied', async () => {
    const reserved = await tracker.reserving({ tenantId: 'acme', commandId: 'cmd-1' }, [{ key: 'k', recordId: 'c1' }], () => append('ContactCreated', 'cmd-1'));
    const foreign = await inner.append(`acme/sales.contact/${randomUUID()}`, [event('ContactTagged')]);
    expect(tracker.covers(0n, foreign.position)).to.equal(false);
    expect(tracker.covers(reserved.position, reserved.position)).to.equal(true);
    expect(tracker.reservedBy('k', 'c2', reserved.position)).to.equal(undefined);
  });
});
