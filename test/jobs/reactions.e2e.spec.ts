import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { EventStore, JsonObject } from '../../src/events/log/port.js';
import { openSqliteEventStore } from '../../src/events/log/sqlite.js';
import { streamName } from '../../src/events/log/stream-name.js';
import type { Reaction } from '../../src/jobs/reactions.js';
import { activityReminderReaction } from '../../src/jobs/sales/activities.js';
import { quoteReaction } from '../../src/jobs/sales/quotes.js';
import { call, tokenFor } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const YEAR = new Date().getUTCFullYear();

/** A sent quote for a new opportunity, through the API. */
const sentQuote = async (server: TestServer, token: string) => {
  const opportunityId = (await call(server, 'POST', '/sales/opportunities', { token, body: { name: 'Deal', amount: eur(10_000) } })).body.id;
  const lines = [{ description: 'Service', quantity: 1, unitPrice: eur(10_000), taxRateId: 'standard' }];
  const quoteId = (await call(server, 'POST', '/sales/quotes', { token, body: { title: 'Offer', opportunityId, validUntil: `${YEAR + 1}-06-30`, lines } })).body.id;
  expect((await call(server, 'POST', `/sales/quotes/${quoteId}/send`, { token, body: {} })).status).to.equal(200);
  return { opportunityId, quoteId };
};

/** Appends `QuoteAccepted` as the route would, but enqueues nothing: the process "stopped" right after the append. */
const acceptWithoutEnqueue = async (store: EventStore, quoteId: string, opportunityId: string) => {
  const stream = streamName('acme', 'sales.quote', quoteId);
  const revision = (await store.readStream(stream)).at(-1)!.revision;
  const metadata = { tenantId: 'acme', actorId: 'user-admin', correlationId: randomUUID(), occurredAt: new Date().toISOString() };
  const event = { id: randomUUID(), type: 'QuoteAccepted', schemaVersion: 1, data: { opportunityId }, metadata };
  await store.append(stream, [event], { expectedRevision: revision });
};

const stageOf = async (server: TestServer, token: string, id: string): Promise<string> => {
  const head = String(await server.store.headPosition());
  return (await call(server, 'GET', `/sales/opportunities/${id}`, { token, headers: { 'Consistency-Position': head } })).body.stage;
};

const eventuallyWon = async (server: TestServer, token: string, id: string) => {
  for (let i = 0; i < 100 && (await stageOf(server, token, id)) !== 'won'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return stageOf(server, token, id);
};

describe('job reactions: the log as the outbox', () => {
  it('enqueues the acceptance reactor of a quote accepted without its route\'s enqueue: the opportunity is won', async () => {
    const server = await startTestServer();
    try {
      const token = await tokenFor(server, { tenantId: 'acme', actorId: 'user-admin', roles: ['tenant_admin'] });
      const { opportunityId, quoteId } = await sentQuote(server, token);
      await acceptWithoutEnqueue(server.store, quoteId, opportunityId);
      expect(await eventuallyWon(server, token, opportunityId)).to.equal('won');
    } finally {
      await server.dispose();
    }
  });

  it('after a restart, resumes from its checkpoint and enqueues what was appended while it was down', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'crm-reactions-'));
    try {
      const first = await startTestServer({ DATA_DIR: dataDir });
      const token = await tokenFor(first, { tenantId: 'acme', actorId: 'user-admin', roles: ['tenant_admin'] });
      const { opportunityId, quoteId } = await sentQuote(first, token);
      await first.dispose();
      // Appended while no API runs (the API stopped right after appending): no queue ever hears of it.
      const store = openSqliteEventStore(join(dataDir, 'events.db'));
      await acceptWithoutEnqueue(store, quoteId, opportunityId);
      await store.close();
      const second = await startTestServer({ DATA_DIR: dataDir });
      try {
        const again = await tokenFor(second, { tenantId: 'acme', actorId: 'user-admin', roles: ['tenant_admin'] });
        expect(await eventuallyWon(second, again, opportunityId)).to.equal('won');
      } finally {
        await second.dispose();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('jobs of the embedded API across a restart (DATA_DIR/jobs.db)', () => {
  it('fires after the restart a reminder that was pending when the API stopped, once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'crm-jobs-restart-'));
    try {
      const first = await startTestServer({ DATA_DIR: dataDir });
      const token = await tokenFor(first, { tenantId: 'acme', actorId: 'user-admin', roles: ['tenant_admin'] });
      const contact = (await call(first, 'POST', '/sales/contacts', { token, body: { firstName: 'Bo', lastName: 'Gray', email: 'bo@example.org' } })).body.id;
      const remindAt = new Date(Date.now() + 1_500).toISOString();
      const body = { kind: 'task', subject: 'Call Bo', linkedTo: { type: 'contact', id: contact }, dueAt: new Date(Date.now() + 3_600_000).toISOString(), remindAt };
      const { id } = (await call(first, 'POST', '/sales/activities', { token, body })).body;
      await first.dispose();
      const second = await startTestServer({ DATA_DIR: dataDir });
      try {
        const reminders = async () => {
          const history = await call(second, 'GET', `/sales/activities/${id}/history`, { token });
          return (history.body.data as Array<{ actorId: string }>).filter((e) => e.actorId === 'system:activity-reminder').length;
        };
        for (let i = 0; i < 100 && (await reminders()) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await reminders()).to.equal(1);
      } finally {
        await second.dispose();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the reactions of quotes and activities', () => {
  const recorded = (stream: string, type: string, data: Record<string, unknown>) =>
    ({ id: randomUUID(), stream, type, data, metadata: {}, schemaVersion: 1, revision: 0n, position: 42n, createdAt: new Date() }) as never;
  const noLog = { readStream: async () => [] };
  const enqueued = async (reaction: Reaction, event: never, log: Pick<EventStore, 'readStream'> = noLog) => {
    const calls: unknown[][] = [];
    const queue = { enqueue: async (...args: unknown[]) => void calls.push(args), get: async () => undefined, remove: async () => false } as never;
    await reaction.enqueue(queue, event, new Date(`${YEAR}-01-01T00:00:00Z`), log);
    return calls;
  };

  it('schedule an activity\'s reminder from its creation or rescheduling, and nothing without a reminder time', async () => {
    const stream = 'acme/sales.activity/a-1';
    const remindAt = `${YEAR}-01-01T01:00:00.000Z`;
    expect(await enqueued(activityReminderReaction, recorded(stream, 'ActivityCreated', { fields: { kind: 'task', remindAt } }))).to.deep.equal([
      ['sales.activity-reminder', { tenantId: 'acme', activityId: 'a-1', remindAt }, { id: `activity-reminder.a-1.${Date.parse(remindAt)}`, delayMs: 3_600_000 }],
    ]);
    expect(await enqueued(activityReminderReaction, recorded(stream, 'ActivityRescheduled', { remindAt, dueAt: null }))).to.have.length(1);
    expect(await enqueued(activityReminderReaction, recorded(stream, 'ActivityCreated', { fields: { kind: 'note' } }))).to.deep.equal([]);
  });

  it('schedule a restored activity\'s reminder read from its stream while it is open and not yet reminded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-reactions-restore-'));
    const store = openSqliteEventStore(join(dir, 'events.db'));
    try {
      const stream = streamName('acme', 'sales.activity', 'a-2');
      const remindAt = `${YEAR}-01-01T01:00:00.000Z`;
      const metadata = { tenantId: 'acme', actorId: 'user-admin', correlationId: randomUUID(), occurredAt: new Date().toISOString() };
      const append = async (type: string, data: JsonObject) => {
        const revision = (await store.readStream(stream)).at(-1)?.revision;
        await store.append(stream, [{ id: randomUUID(), type, schemaVersion: 1, data, metadata }], { expectedRevision: revision ?? 'no_stream' });
        return (await store.readStream(stream)).at(-1)!;
      };
      await append('ActivityCreated', { fields: { kind: 'task', subject: 'Call', dueAt: `${YEAR}-01-02T00:00:00.000Z`, remindAt }, ownerId: 'user-admin', tags: [] });
      await append('ActivityArchived', { reason: null });
      const restored = await append('ActivityRestored', {});
      expect(await enqueued(activityReminderReaction, restored as never, store)).to.deep.equal([
        ['sales.activity-reminder', { tenantId: 'acme', activityId: 'a-2', remindAt }, { id: `activity-reminder.a-2.${Date.parse(remindAt)}`, delayMs: 3_600_000 }],
      ]);
      await append('ActivityReminderSent', { remindAt, dueTime: `${YEAR}-01-02T00:00:00.000Z` });
      await append('ActivityArchived', { reason: null });
      expect(await enqueued(activityReminderReaction, (await append('ActivityRestored', {})) as never, store)).to.deep.equal([]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('schedule a sent quote\'s expiry and an accepted quote\'s reactor (for an opportunity only)', async () => {
    const stream = 'acme/sales.quote/q-1';
    const [[name, data, options]] = (await enqueued(quoteReaction, recorded(stream, 'QuoteSent', { revision: 1, validUntil: `${YEAR}-01-01` }))) as [[string, unknown, { id: string }]];
    expect([name, data, options.id]).to.deep.equal(['sales.quote-expiry', { tenantId: 'acme', quoteId: 'q-1', validUntil: `${YEAR}-01-01` }, `quote-expiry.q-1.${YEAR}-01-01`]);
    expect(await enqueued(quoteReaction, recorded(stream, 'QuoteAccepted', { opportunityId: 'o-1' }))).to.deep.equal([
      ['sales.quote-accepted', { tenantId: 'acme', quoteId: 'q-1', opportunityId: 'o-1', position: 42 }, { id: 'quote-accepted.q-1' }],
    ]);
    expect(await enqueued(quoteReaction, recorded(stream, 'QuoteAccepted', { opportunityId: null }))).to.deep.equal([]);
  });
});
