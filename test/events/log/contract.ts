/**
 * The one contract suite every EventStore implementation passes. Each test works in its own tenant
 * and only looks at positions after the head it saw at its start, so it also runs against a shared
 * EventStoreDB that holds other data.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import {
  InvalidAppendError,
  WrongExpectedVersion,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
} from '../../../src/events/log/port.js';
import { streamName } from '../../../src/events/log/stream-name.js';
import { caught } from '../../support/caught.js';

export type StoreFixture = { open(): Promise<EventStore>; dispose(store: EventStore): Promise<void> };

export const event = (type = 'ThingHappened', data: Record<string, unknown> = {}): NewEvent => ({
  id: randomUUID(),
  type,
  schemaVersion: 1,
  data: data as NewEvent['data'],
  metadata: { tenantId: 'contract', correlationId: randomUUID() },
});

const ids = (events: RecordedEvent[]): string[] => events.map((e) => e.id);

export const eventStoreContract = (name: string, fixture: StoreFixture): void => {
  describe(`${name}: event store contract`, function () {
    let store: EventStore;
    let tenant: string;
    let stream: (id?: string) => string;
    let start: bigint;

    beforeEach(async () => {
      store = await fixture.open();
      tenant = `t${randomUUID().slice(0, 8)}`;
      stream = (id = randomUUID()) => streamName(tenant, 'contract.thing', id);
      start = await store.headPosition();
    });
    afterEach(async () => fixture.dispose(store));

    const mine = async (): Promise<RecordedEvent[]> =>
      (await store.readAll({ after: start, maxCount: 10_000 })).filter((e) => e.stream.startsWith(`${tenant}/`));

    const expectWrongVersion = async (p: Promise<unknown>, expected: ExpectedRevision, actual: 'no_stream' | bigint) => {
      const error = await caught(p);
      expect(error).to.be.instanceOf(WrongExpectedVersion);
      expect((error as WrongExpectedVersion).expected).to.equal(expected);
      expect((error as WrongExpectedVersion).actual).to.equal(actual);
    };

    describe('append with an expected revision', () => {
      it('no_stream creates a stream and answers revision 0 and a position', async () => {
        const result = await store.append(stream(), [event()], { expectedRevision: 'no_stream' });
        expect(result.nextRevision).to.equal(0n);
        expect(result.position > start).to.equal(true);
      });

      it('no_stream on an existing stream fails with the actual revision', async () => {
        const s = stream();
        await store.append(s, [event(), event()]);
        await expectWrongVersion(store.append(s, [event()], { expectedRevision: 'no_stream' }), 'no_stream', 1n);
      });

      it('stream_exists fails on a new stream and succeeds on an existing one', async () => {
        const s = stream();
        await expectWrongVersion(store.append(s, [event()], { expectedRevision: 'stream_exists' }), 'stream_exists', 'no_stream');
        await store.append(s, [event()]);
        const result = await store.append(s, [event()], { expectedRevision: 'stream_exists' });
        expect(result.nextRevision).to.equal(1n);
      });

      it('any appends whatever the stream holds', async () => {
        const s = stream();
        expect((await store.append(s, [event()], { expectedRevision: 'any' })).nextRevision).to.equal(0n);
        expect((await store.append(s, [event(), event()])).nextRevision).to.equal(2n);
      });

      it('an exact revision succeeds when it is the last one and fails otherwise', async () => {
        const s = stream();
        await store.append(s, [event(), event(), event()]);
        expect((await store.append(s, [event()], { expectedRevision: 2n })).nextRevision).to.equal(3n);
        await expectWrongVersion(store.append(s, [event()], { expectedRevision: 2n }), 2n, 3n);
        await expectWrongVersion(store.append(s, [event()], { expectedRevision: 7n }), 7n, 3n);
      });

      it('an exact revision on a missing stream fails with no_stream', async () => {
        await expectWrongVersion(store.append(stream(), [event()], { expectedRevision: 0n }), 0n, 'no_stream');
      });

      it('a failed append writes nothing', async () => {
        const s = stream();
        await store.append(s, [event()]);
        await caught(store.append(s, [event(), event()], { expectedRevision: 5n }));
        expect(await store.readStream(s)).to.have.length(1);
      });
    });

    describe('concurrency and idempotency', () => {
      it('of two concurrent appends at the same revision exactly one wins', async () => {
        const s = stream();
        await store.append(s, [event()]);
        const outcomes = await Promise.allSettled([
          store.append(s, [event('A')], { expectedRevision: 0n }),
          store.append(s, [event('B')], { expectedRevision: 0n }),
        ]);
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(won).to.have.length(1);
        expect(lost).to.have.length(1);
        expect(lost[0]!.reason).to.be.instanceOf(WrongExpectedVersion);
        expect(await store.readStream(s)).to.have.length(2);
      });

      it('many concurrent appends to distinct streams all succeed with distinct positions', async () => {
        const results = await Promise.all(Array.from({ length: 50 }, () => store.append(stream(), [event()])));
        expect(new Set(results.map((r) => r.position)).size).to.equal(50);
      });

      it('retrying the same append (same event ids) is a no-op success with the same answer', async () => {
        const s = stream();
        const events = [event(), event()];
        const first = await store.append(s, events, { expectedRevision: 'no_stream' });
        const again = await store.append(s, events, { expectedRevision: 'no_stream' });
        expect(again).to.deep.equal(first);
        expect(ids(await store.readStream(s))).to.deep.equal(events.map((e) => e.id));
      });

      it('a retry after later appends is still recognised, with an exact revision and with any', async () => {
        const s = stream();
        await store.append(s, [event()]);
        const events = [event()];
        const first = await store.append(s, events, { expectedRevision: 0n });
        await store.append(s, [event()]);
        expect(await store.append(s, events, { expectedRevision: 0n })).to.deep.equal(first);
        expect(await store.append(s, events, { expectedRevision: 'any' })).to.deep.equal(first);
        expect(await store.readStream(s)).to.have.length(3);
      });

      it('a retry whose ids only partly match is refused and writes nothing', async () => {
        const s = stream();
        const [a, b] = [event(), event()];
        await store.append(s, [a!, b!], { expectedRevision: 'no_stream' });
        const error = await caught(store.append(s, [a!, event()], { expectedRevision: 'no_stream' }));
        expect(error).to.be.instanceOf(WrongExpectedVersion);
        expect(await store.readStream(s)).to.have.length(2);
      });
    });

    describe('readStream', () => {
      it('reads forwards and backwards, from a revision, up to maxCount', async () => {
        const s = stream();
        const events = Array.from({ length: 10 }, (_, i) => event('Numbered', { i }));
        await store.append(s, events);
        const all = await store.readStream(s);
        expect(ids(all)).to.deep.equal(events.map((e) => e.id));
        expect(all.map((e) => e.revision)).to.deep.equal(events.map((_, i) => BigInt(i)));
        expect((await store.readStream(s, { from: 4n, maxCount: 3 })).map((e) => e.data.i)).to.deep.equal([4, 5, 6]);
        const back = await store.readStream(s, { direction: 'backwards', maxCount: 2 });
        expect(back.map((e) => e.data.i)).to.deep.equal([9, 8]);
        const backFrom = await store.readStream(s, { direction: 'backwards', from: 3n });
        expect(backFrom.map((e) => e.data.i)).to.deep.equal([3, 2, 1, 0]);
      });

      it('answers an empty list for a stream that does not exist', async () => {
        expect(await store.readStream(stream())).to.deep.equal([]);
      });

      it('keeps type, schemaVersion, data and metadata as written', async () => {
        const s = stream();
        const written = { ...event('Typed', { n: 1, nested: { ok: true, list: [1, 'two', null] } }), schemaVersion: 3 };
        await store.append(s, [written]);
        const [read] = await store.readStream(s);
        expect(read).to.deep.include({ id: written.id, type: 'Typed', schemaVersion: 3, stream: s, revision: 0n });
        expect(read!.data).to.deep.equal(written.data);
        expect(read!.metadata).to.deep.equal(written.metadata);
        expect(read!.recordedAt).to.be.instanceOf(Date);
      });
    });

    describe('readAll', () => {
      it('returns events of all streams in commit order with increasing positions', async () => {
        const [s1, s2] = [stream(), stream()];
        const r1 = await store.append(s1, [event('One')]);
        const r2 = await store.append(s2, [event('Two'), event('Three')]);
        const r3 = await store.append(s1, [event('Four')]);
        const all = await mine();
        expect(all.map((e) => e.type)).to.deep.equal(['One', 'Two', 'Three', 'Four']);
        for (let i = 1; i < all.length; i++) expect(all[i]!.position > all[i - 1]!.position).to.equal(true);
        expect([r1.position, r2.position, r3.position]).to.deep.equal([all[0]!.position, all[2]!.position, all[3]!.position]);
      });

      it('reads after a position, up to maxCount', async () => {
        const s = stream();
        await store.append(s, Array.from({ length: 6 }, (_, i) => event('Numbered', { i })));
        const all = await mine();
        const page = (await store.readAll({ after: all[1]!.position, maxCount: 3 })).filter((e) => e.stream === s);
        expect(page.map((e) => e.data.i)).to.deep.equal([2, 3, 4]);
      });
    });

    describe('subscribeToAll', () => {
      it('from the middle, while appends go on, delivers each later event once and in order', async () => {
        const s = stream();
        for (let i = 0; i < 20; i++) await store.append(s, [event('Numbered', { i })]);
        const middle = (await mine())[9]!.position;
        const subscription = store.subscribeToAll({ after: middle });
        const writing = (async () => {
          for (let i = 20; i < 60; i++) await store.append(s, [event('Numbered', { i })]);
        })();
        const seen: number[] = [];
        for await (const e of subscription) {
          if (e.stream !== s) continue;
          seen.push(e.data.i as number);
          if (seen.length === 50) break;
        }
        await subscription.close();
        await writing;
        expect(seen).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 10));
      });

      it('resumes from the last position it delivered', async () => {
        const s = stream();
        await store.append(s, [event('A'), event('B'), event('C')]);
        const first = store.subscribeToAll({ after: start });
        let last = start;
        for await (const e of first) {
          if (e.stream !== s) continue;
          last = e.position;
          if (e.type === 'B') break;
        }
        await first.close();
        const rest = store.subscribeToAll({ after: last });
        for await (const e of rest) {
          if (e.stream !== s) continue;
          expect(e.type).to.equal('C');
          break;
        }
        await rest.close();
      });
    });

    describe('payloads', () => {
      it('stores a 1 MB event intact', async () => {
        const s = stream();
        const big = 'x'.repeat(1_000_000);
        await store.append(s, [event('Big', { big })]);
        const [read] = await store.readStream(s);
        expect(read!.data.big).to.equal(big);
      });

      it('stores unicode intact', async () => {
        const s = stream();
        const text = 'Zoë Ångström — 東京 — שלום — 👩🏽‍💻 — e\u0301 — \u0000 end';
        await store.append(s, [event('Unicode', { text, [text]: text })]);
        const [read] = await store.readStream(s);
        expect(read!.data).to.deep.equal({ text, [text]: text });
      });
    });

    describe('refusals', () => {
      const refused = async (attempt: () => Promise<unknown>, code: string) => {
        const error = await caught(attempt());
        expect(error).to.be.instanceOf(InvalidAppendError);
        expect((error as InvalidAppendError).code).to.equal(code);
        expect(await mine()).to.deep.equal([]);
      };

      for (const bad of ['', '$all', '$ce-x', 'acme', 'acme/x', 'a/b/c/d', 'ACME/sales.contact/1', 'acme/../1', 'acme/x y/1', 'acme/sales.contact/']) {
        it(`refuses the stream name ${JSON.stringify(bad)}`, async () => {
          await refused(() => store.append(bad, [event()]), 'invalid_stream_name');
        });
      }

      for (const bad of ['whatever', -1n, 3, null] as unknown[]) {
        it(`refuses the expected revision ${String(bad)}`, async () => {
          await refused(() => store.append(stream(), [event()], { expectedRevision: bad as ExpectedRevision }), 'invalid_expected_revision');
        });
      }

      it('refuses an empty append', async () => {
        await refused(() => store.append(stream(), []), 'empty_append');
      });

      it('refuses an event over the size limit', async () => {
        await refused(() => store.append(stream(), [event('Big', { big: 'x'.repeat(1_100_000) })]), 'event_too_large');
      });

      it('refuses an event whose id is not a UUID, and repeated ids', async () => {
        await refused(() => store.append(stream(), [{ ...event(), id: 'not-a-uuid' }]), 'invalid_event');
        const e = event();
        await refused(() => store.append(stream(), [e, e]), 'invalid_event');
      });
    });
  });
};
