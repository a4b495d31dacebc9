import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { handleCommand, NO_REVISION, type CommandContext } from '../../src/commands/handle.js';
import { ConflictError, PreconditionFailedError, RuleViolationError } from '../../src/errors.js';
import type { EventStore } from '../../src/events/log/port.js';
import { openKeyStore, type KeyStore } from '../../src/events/personal-data/key-store.js';
import { openSqliteEventStore } from '../../src/events/log/sqlite.js';
import { streamName } from '../../src/events/log/stream-name.js';
import { upcasters, type Versioned } from '../../src/events/upcasting.js';
import { caught } from '../support/caught.js';
import { tally, type TallyCommand } from '../support/tally.js';

const aggregate = {
  type: 'test.tally',
  decider: tally,
  upcasters: upcasters([{ type: 'TallyClosed', from: 1, up: ({ why, ...rest }) => ({ ...rest, reason: why ?? null }) }]),
};
const fixture = JSON.parse(readFileSync(new URL('../events/fixtures/tally-v1.json', import.meta.url), 'utf8')) as Versioned[];
const context = (over: Partial<CommandContext> = {}): CommandContext => ({
  tenantId: 'acme', actorId: 'user-1', commandId: randomUUID(), correlationId: randomUUID(),
  requestId: 'req-00000001', now: new Date('2026-11-22T10:00:00Z'), ...over,
});

describe('the command handler', () => {
  let dir: string;
  let store: EventStore;
  let keyStore: KeyStore;
  let id: string;
  const send = (command: TallyCommand, ctx = context(), ifMatch?: bigint | 'no_stream') =>
    handleCommand({ store, keyStore }, aggregate, { id, command, context: ctx, ifMatch });
  const stored = () => store.readStream(streamName('acme', 'test.tally', id));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-handle-'));
    store = openSqliteEventStore(join(dir, 'events.db'));
    keyStore = openKeyStore(join(dir, 'keys.db'), randomBytes(32));
    id = randomUUID();
  });
  afterEach(async () => {
    await store.close();
    keyStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('appends the decided events with their metadata and answers id, revision and position', async () => {
    const ctx = context();
    const result = await send({ type: 'OpenTally', name: 'T' }, ctx);
    expect(result).to.deep.include({ id, revision: 0n, events: 1 });
    const [event] = await stored();
    expect(event!.position).to.equal(result.position);
    expect(event!.metadata).to.deep.equal({
      tenantId: 'acme', actorId: 'user-1', commandId: ctx.commandId, correlationId: ctx.correlationId,
      causationId: ctx.commandId, requestId: 'req-00000001', occurredAt: '2026-11-22T10:00:00.000Z',
      aggregateType: 'test.tally', aggregateId: id,
    });
  });

  it('records each event type at its schema version', async () => {
    await send({ type: 'OpenTally', name: 'T' });
    await send({ type: 'CloseTally', reason: 'done' });
    expect((await stored()).map((e) => [e.type, e.schemaVersion])).to.deep.equal([
      ['TallyOpened', 1], ['TallyIncreased', 1], ['TallyClosed', 2],
    ]);
  });

  it('folds old events upcast to their current version (stored v1 fixture)', async () => {
    const old = fixture.map((e) => ({ ...e, id: randomUUID(), metadata: {} }));
    await store.append(streamName('acme', 'test.tally', id), old);
    expect(await caught(send({ type: 'IncreaseTally', by: 1 }))).to.have.property('code', 'tally_not_open');
    expect((await send({ type: 'CloseTally', reason: 'again' })).events).to.equal(0);
    const [, , closed] = await stored();
    expect(closed).to.deep.include({ schemaVersion: 1, data: fixture[2]!.data });
  });

  it('a rule violation propagates and appends nothing', async () => {
    await send({ type: 'OpenTally', name: 'T' });
    expect(await caught(send({ type: 'IncreaseTally', by: -1 }))).to.be.instanceOf(RuleViolationError);
    expect(await stored()).to.have.length(1);
  });

  it('a command sent twice (same command id) appends once and answers the first result again', async () => {
    await send({ type: 'OpenTally', name: 'T' });
    const ctx = context();
    const first = await send({ type: 'CloseTally', reason: 'done' }, ctx);
    const again = await send({ type: 'CloseTally', reason: 'done' }, ctx);
    expect(again).to.deep.equal({ ...first, replayed: true });
    expect(await stored()).to.have.length(3);
  });

  describe('with If-Match', () => {
    it('appends when the revision matches', async () => {
      await send({ type: 'OpenTally', name: 'T' });
      expect((await send({ type: 'IncreaseTally', by: 2 }, context(), 0n)).revision).to.equal(1n);
    });

    it('fails with 412 precondition_failed when it does not, and appends nothing', async () => {
      await send({ type: 'OpenTally', name: 'T' });
      await send({ type: 'IncreaseTally', by: 1 });
      const error = await caught(send({ type: 'IncreaseTally', by: 2 }, context(), 0n));
      expect(error).to.be.instanceOf(PreconditionFailedError);
      expect((error as PreconditionFailedError).status).to.equal(412);
      expect((error as PreconditionFailedError).extra).to.deep.equal({ expectedRevision: 0, currentRevision: 1 });
      expect(await stored()).to.have.length(2);
    });

    it('on a stream that does not exist, answers what the command answers without If-Match (RFC 9110 §13.2.1); a command that would create it, 412', async () => {
      expect(await caught(send({ type: 'IncreaseTally', by: 2 }, context(), 3n))).to.include({ code: 'tally_not_open' });
      expect(await caught(send({ type: 'IncreaseTally', by: 2 }, context(), NO_REVISION))).to.include({ code: 'tally_not_open' });
      const created = await caught(send({ type: 'OpenTally', name: 'T' }, context(), 0n));
      expect(created).to.be.instanceOf(PreconditionFailedError);
      expect((created as PreconditionFailedError).extra).to.deep.equal({ expectedRevision: 0, currentRevision: null });
      expect(await stored()).to.have.length(0);
    });

    it('never matches NO_REVISION (a weak or foreign tag) on a record that exists', async () => {
      await send({ type: 'OpenTally', name: 'T' });
      const error = await caught(send({ type: 'IncreaseTally', by: 2 }, context(), NO_REVISION));
      expect(error).to.be.instanceOf(PreconditionFailedError);
      expect((error as PreconditionFailedError).extra).to.deep.equal({ expectedRevision: null, currentRevision: 0 });
      expect(await stored()).to.have.length(1);
    });

    it('of 10 concurrent commands at one revision exactly one wins, the others get 412', async () => {
      await send({ type: 'OpenTally', name: 'T' });
      const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => send({ type: 'IncreaseTally', by: 1 }, context(), 0n)));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).to.have.length(1);
      const reasons = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
      expect(reasons).to.have.length(9);
      reasons.forEach((r) => expect(r).to.be.instanceOf(PreconditionFailedError));
      expect(await stored()).to.have.length(2);
    });
  });

  describe('with no_stream (If-None-Match: *)', () => {
    it('appends on a record with no event yet; once it has one, 412 before deciding, appending nothing', async () => {
      expect((await send({ type: 'OpenTally', name: 'T' }, context(), 'no_stream')).revision).to.equal(0n);
      const error = await caught(send({ type: 'OpenTally', name: 'U' }, context(), 'no_stream'));
      expect(error).to.be.instanceOf(PreconditionFailedError);
      expect((error as PreconditionFailedError).extra).to.deep.equal({ expectedRevision: null, currentRevision: 0 });
      expect(await stored()).to.have.length(1);
    });

    it('of 5 concurrent first commands exactly one wins, the others get 412', async () => {
      const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => send({ type: 'OpenTally', name: 'T' }, context(), 'no_stream')));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).to.have.length(1);
      outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : [])).forEach((r) => expect(r).to.be.instanceOf(PreconditionFailedError));
      expect(await stored()).to.have.length(1);
    });
  });

  describe('on a fresh id (first attempt without reading the stream)', () => {
    const sendFresh = (command: TallyCommand, ctx = context(), ifMatch?: bigint) =>
      handleCommand({ store, keyStore }, aggregate, { id, command, context: ctx, ifMatch, fresh: true });

    it('appends the events decided on the initial state', async () => {
      const result = await sendFresh({ type: 'OpenTally', name: 'T' });
      expect(result).to.deep.include({ id, revision: 0n, events: 1 });
      expect((await stored()).map((e) => e.type)).to.deep.equal(['TallyOpened']);
    });

    it('sent twice (same command id) appends once and answers the first result again', async () => {
      const ctx = context();
      const first = await sendFresh({ type: 'OpenTally', name: 'T' }, ctx);
      const again = await sendFresh({ type: 'OpenTally', name: 'T' }, ctx);
      expect(again).to.deep.equal(first);
      expect(await stored()).to.have.length(1);
    });

    it('on a stream that holds other events after all, decides on them: the rule refuses, nothing is appended', async () => {
      await send({ type: 'OpenTally', name: 'T' });
      expect(await caught(sendFresh({ type: 'OpenTally', name: 'again' }))).to.have.property('code', 'already_exists');
      expect(await stored()).to.have.length(1);
    });

    it('with If-Match reads the stream as ever: a stale revision is a 412', async () => {
      await send({ type: 'OpenTally', name: 'T' });
      await send({ type: 'IncreaseTally', by: 1 });
      expect(await caught(sendFresh({ type: 'IncreaseTally', by: 2 }, context(), 0n))).to.be.instanceOf(PreconditionFailedError);
      expect(await stored()).to.have.length(2);
    });
  });

  describe('without If-Match', () => {
    it('retries conflicts: concurrent commands either land once each or fail with 409, nothing lost or doubled', async () => {
      await send({ type: 'OpenTally', name: 'T' });
      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => send({ type: 'IncreaseTally', by: i + 1 })));
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
      lost.forEach((r) => expect(r).to.be.instanceOf(ConflictError).and.to.have.property('code', 'concurrent_modification'));
      expect(won.length).to.be.at.least(4);
      const events = await stored();
      expect(events).to.have.length(1 + won.length);
      expect(new Set(events.map((e) => e.revision)).size).to.equal(events.length);
    });

    it('lets this process\'s writers on one record take turns: 20 concurrent ones without If-Match all land', async () => {
      await send({ type: 'OpenTally', name: 'T' });
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => send({ type: 'IncreaseTally', by: i + 1 })));
      expect(outcomes.filter((o) => o.status === 'rejected')).to.deep.equal([]);
      expect(await stored()).to.have.length(21);
    });
  });
});
