/** Numbering quotes through the command handler: a number per quote, none skipped, even when a step is cut short. */
import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { handleCommand, type CommandContext } from '../../../src/commands/handle.js';
import { quoteAggregate } from '../../../src/commands/sales/quote.js';
import { completeNumbering, numberQuote, quoteCounterAggregate, quoteStateOf } from '../../../src/commands/sales/quote-numbering.js';
import type { EventStore } from '../../../src/events/log/port.js';
import { openSqliteEventStore } from '../../../src/events/log/sqlite.js';
import { openKeyStore, type KeyStore } from '../../../src/events/personal-data/key-store.js';
import { DEFAULT_SALES_CONFIG as config } from '../../../src/events/sales/config.js';
import { useTempDir } from '../../events/personal-data/support.js';

const context = (): CommandContext => ({
  tenantId: 'acme', actorId: 'user-1', commandId: randomUUID(), correlationId: randomUUID(), now: new Date('2026-11-23T10:00:00Z'),
});
const fields = {
  title: 'Offer', accountId: 'acc-1', validUntil: '2026-12-31',
  lines: [{ description: 'Day', quantity: 1, unitPrice: { amount: 100, currency: 'EUR' }, taxRateId: 'standard' }],
};

describe('numberQuote', () => {
  const dir = useTempDir('crm-quote-');
  let store: EventStore;
  let keyStore: KeyStore;
  const deps = () => ({ store, keyStore });
  const createQuote = async (ctx = context()) => {
    const id = randomUUID();
    await handleCommand(deps(), quoteAggregate, { id, command: { type: 'CreateRecord', fields, ownerId: 'u', tags: [], config }, context: ctx });
    return id;
  };
  const numberOf = async (id: string) => {
    const state = await quoteStateOf(deps(), 'acme', id);
    return state.status === 'none' ? undefined : state.fields.number;
  };

  beforeEach(() => {
    store = openSqliteEventStore(join(dir.path, 'events.db'));
    keyStore = openKeyStore(join(dir.path, 'keys.db'), randomBytes(32));
  });
  afterEach(async () => {
    await store.close();
    keyStore.close();
  });

  it('numbers quotes in sequence; a retried numbering keeps the number', async () => {
    const ctx = context();
    const first = await createQuote(ctx);
    const second = await createQuote();
    await numberQuote(deps(), first, ctx, config.quoteNumbering);
    await numberQuote(deps(), second, context(), config.quoteNumbering);
    await numberQuote(deps(), first, ctx, config.quoteNumbering);
    expect([await numberOf(first), await numberOf(second)]).to.deep.equal(['Q-2026-0001', 'Q-2026-0002']);
  });

  it('completes a numbering cut short after the counter gave the number, with that number', async () => {
    const id = await createQuote();
    const year = { type: 'AssignQuoteNumber' as const, quoteId: id, year: 2026, numbering: config.quoteNumbering };
    await handleCommand(deps(), quoteCounterAggregate, { id: '2026', command: year, context: context() });
    const next = await createQuote();
    await numberQuote(deps(), next, context(), config.quoteNumbering);
    expect(await numberOf(id)).to.equal(undefined);
    await completeNumbering(deps(), id, context(), config.quoteNumbering);
    await completeNumbering(deps(), id, context(), config.quoteNumbering);
    expect([await numberOf(id), await numberOf(next)]).to.deep.equal(['Q-2026-0001', 'Q-2026-0002']);
  });

  it('numbers a quote in the year it was created, even when a numbering cut short at the year\'s end is completed in the next', async () => {
    const lastDay = () => ({ ...context(), now: new Date('2026-12-31T23:59:59Z') });
    const id = await createQuote(lastDay());
    const year = { type: 'AssignQuoteNumber' as const, quoteId: id, year: 2026, numbering: config.quoteNumbering };
    await handleCommand(deps(), quoteCounterAggregate, { id: '2026', command: year, context: lastDay() });
    const unassigned = await createQuote(lastDay());
    const january = () => ({ ...context(), now: new Date('2027-01-02T09:00:00Z') });
    await completeNumbering(deps(), id, january(), config.quoteNumbering);
    await completeNumbering(deps(), unassigned, january(), config.quoteNumbering);
    const fresh = await createQuote(january());
    await numberQuote(deps(), fresh, january(), config.quoteNumbering);
    expect([await numberOf(id), await numberOf(unassigned), await numberOf(fresh)]).to.deep.equal(['Q-2026-0001', 'Q-2026-0002', 'Q-2027-0001']);
  });

  it('gives 30 concurrent numberings 30 distinct consecutive numbers', async () => {
    const ids = await Promise.all(Array.from({ length: 30 }, () => createQuote()));
    await Promise.all(ids.map((id) => numberQuote(deps(), id, context(), config.quoteNumbering)));
    const numbers = await Promise.all(ids.map(numberOf));
    expect([...numbers].sort()).to.deep.equal(Array.from({ length: 30 }, (_, i) => `Q-2026-${String(i + 1).padStart(4, '0')}`));
  });
});
