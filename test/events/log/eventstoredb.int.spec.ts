import { createServer } from 'node:net';
import {
  MaxAppendSizeExceededError,
  UnavailableError,
  WrongExpectedVersionError,
  type JSONRecordedEvent,
} from '@eventstore/db-client';
import { expect } from 'chai';
import { ConflictError } from '../../../src/errors.js';
import {
  SCHEMA_VERSION_KEY,
  isSystemEvent,
  openEventStoreDbStore,
  positionOf,
  toClientRevision,
  toRecorded,
  toStoreError,
} from '../../../src/events/log/eventstoredb.js';
import { EventStoreUnavailableError, InvalidAppendError, WrongExpectedVersion } from '../../../src/events/log/port.js';
import { streamName } from '../../../src/events/log/stream-name.js';
import { caught } from '../../support/caught.js';
import { event, eventStoreContract } from './contract.js';

const url = process.env.EVENTSTORE_URL;

if (url) {
  eventStoreContract('EventStoreDB', {
    open: async () => openEventStoreDbStore(url),
    dispose: (store) => store.close(),
  });
} else {
  console.log('EventStoreDB contract suite not run: EVENTSTORE_URL is not set');
}

/** A port nothing listens on: bound once by us, then released. */
const closedPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

const recorded = (overrides: Partial<JSONRecordedEvent> = {}): JSONRecordedEvent => ({
  streamId: 'acme/sales.contact/c1',
  id: '0190f3c2-0000-4000-8000-000000000001',
  isJson: true,
  revision: 4n,
  type: 'ContactCreated',
  created: new Date('2025-01-02T03:04:05.006Z'),
  data: { name: 'Zoë' },
  metadata: { tenantId: 'acme', [SCHEMA_VERSION_KEY]: 3 },
  position: { commit: 4242n, prepare: 4242n },
  ...overrides,
});

describe('EventStoreDB store without a server', () => {
  it('maps the expected revision to the client constants', () => {
    expect(toClientRevision('any')).to.equal('any');
    expect(toClientRevision('no_stream')).to.equal('no_stream');
    expect(toClientRevision('stream_exists')).to.equal('stream_exists');
    expect(toClientRevision(7n)).to.equal(7n);
  });

  it('maps the client version conflict to WrongExpectedVersion with our expected and its actual', () => {
    const conflict = (current: bigint | 'no_stream') =>
      new WrongExpectedVersionError(undefined, { streamName: 's', expected: 'no_stream', current });
    const atRevision = toStoreError(conflict(1n), 'acme/x/1', 'no_stream') as WrongExpectedVersion;
    expect(atRevision).to.be.instanceOf(WrongExpectedVersion);
    expect([atRevision.stream, atRevision.expected, atRevision.actual]).to.deep.equal(['acme/x/1', 'no_stream', 1n]);
    expect((toStoreError(conflict('no_stream'), 'acme/x/1', 0n) as WrongExpectedVersion).actual).to.equal('no_stream');
    expect((toStoreError(conflict(-1n), 'acme/x/1', 0n) as WrongExpectedVersion).actual).to.equal('no_stream');
  });

  it('maps an oversized append to event_too_large and everything else to unavailable', () => {
    const tooLarge = toStoreError(new MaxAppendSizeExceededError(undefined, 1_048_576));
    expect(tooLarge).to.be.instanceOf(InvalidAppendError);
    expect((tooLarge as InvalidAppendError).code).to.equal('event_too_large');
    const unavailable = new UnavailableError(undefined, 'connection refused');
    const mapped = toStoreError(unavailable);
    expect(mapped).to.be.instanceOf(EventStoreUnavailableError);
    expect(mapped.cause).to.equal(unavailable);
    expect(toStoreError(new Error('socket hang up'))).to.be.instanceOf(EventStoreUnavailableError);
  });

  it('passes our own errors through unchanged', () => {
    const own = new ConflictError('x', 'y');
    expect(toStoreError(own)).to.equal(own);
  });

  it('maps a recorded event, taking schemaVersion out of the metadata again', () => {
    const event = toRecorded(recorded());
    expect(event).to.deep.equal({
      id: '0190f3c2-0000-4000-8000-000000000001',
      type: 'ContactCreated',
      schemaVersion: 3,
      data: { name: 'Zoë' },
      metadata: { tenantId: 'acme' },
      stream: 'acme/sales.contact/c1',
      revision: 4n,
      position: 4242n,
      recordedAt: new Date('2025-01-02T03:04:05.006Z'),
    });
  });

  it('uses the prepare position and refuses events a server before 22.6 reports without one', () => {
    expect(positionOf(recorded({ position: { commit: 900n, prepare: 880n } }))).to.equal(880n);
    expect(() => positionOf(recorded({ position: undefined }))).to.throw(EventStoreUnavailableError);
    const unknown = 2n ** 64n - 1n;
    expect(() => positionOf(recorded({ position: { commit: unknown, prepare: unknown } }))).to.throw(EventStoreUnavailableError);
  });

  it('recognises system events by stream or type', () => {
    expect(isSystemEvent({ streamId: '$stats-0.0.0.0:2113', type: 'statsCollected' })).to.equal(true);
    expect(isSystemEvent({ streamId: 'acme/x/1', type: '$>' })).to.equal(true);
    expect(isSystemEvent({ streamId: 'acme/x/1', type: 'ContactCreated' })).to.equal(false);
  });

  it('refuses bad input before calling the server, and answers unavailable when it cannot reach it', async () => {
    const store = openEventStoreDbStore(`esdb://127.0.0.1:${await closedPort()}?tls=false`);
    try {
      const badName = await caught(store.append('acme', [event()]));
      expect((badName as InvalidAppendError).code).to.equal('invalid_stream_name');
      expect((await caught(store.readStream('$all')) as InvalidAppendError).code).to.equal('invalid_stream_name');
      expect(await caught(store.ping())).to.be.instanceOf(EventStoreUnavailableError);
      const s = streamName('acme', 'sales.contact', 'c1');
      expect(await caught(store.append(s, [event()]))).to.be.instanceOf(EventStoreUnavailableError);
    } finally {
      await store.close();
    }
    expect(await caught(store.headPosition())).to.be.instanceOf(EventStoreUnavailableError);
  });

  it('ends a subscription on close while it waits for a server it cannot reach', async () => {
    const store = openEventStoreDbStore(`esdb://127.0.0.1:${await closedPort()}?tls=false`);
    const subscription = store.subscribeToAll();
    setTimeout(() => void subscription.close(), 200);
    const delivered = [];
    for await (const e of subscription) delivered.push(e);
    expect(delivered).to.deep.equal([]);
    await store.close();
  });
});
