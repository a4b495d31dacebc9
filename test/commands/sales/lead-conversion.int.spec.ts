/** Converting a lead through the command handler: exactly once, and a retried command creates nothing twice. */
import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { handleCommand, type CommandContext } from '../../../src/commands/handle.js';
import { leadAggregate, type LeadState } from '../../../src/commands/sales/lead.js';
import { convertLead } from '../../../src/commands/sales/lead-conversion.js';
import type { EventStore } from '../../../src/events/log/port.js';
import { openSqliteEventStore } from '../../../src/events/log/sqlite.js';
import { streamName } from '../../../src/events/log/stream-name.js';
import { openKeyStore, type KeyStore } from '../../../src/events/personal-data/key-store.js';
import { DEFAULT_SALES_CONFIG as config } from '../../../src/events/sales/config.js';
import { caught } from '../../support/caught.js';
import { useTempDir } from '../../events/personal-data/support.js';

const context = (over: Partial<CommandContext> = {}): CommandContext => ({
  tenantId: 'acme', actorId: 'user-1', commandId: randomUUID(), correlationId: randomUUID(), now: new Date('2026-11-23T10:00:00Z'), ...over,
});
const fields = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org', company: 'Analytical Engines' };
const opportunity = { name: 'Engines', amount: { amount: 1000, currency: 'EUR' } };

describe('convertLead', () => {
  const dir = useTempDir('crm-lead-');
  let store: EventStore;
  let keyStore: KeyStore;
  let id: string;
  const deps = () => ({ store, keyStore });
  const convert = (ctx: CommandContext) =>
    convertLead(deps(), { request: { id, context: ctx, guard: (_: LeadState) => undefined }, opportunity, config });

  beforeEach(async () => {
    store = openSqliteEventStore(join(dir.path, 'events.db'));
    keyStore = openKeyStore(join(dir.path, 'keys.db'), randomBytes(32));
    id = randomUUID();
    const subjectId = await keyStore.newSubjectId('acme');
    await handleCommand(deps(), leadAggregate, { id, command: { type: 'CreateRecord', fields, ownerId: 'user-1', tags: [], subjectId, config }, context: context() });
  });
  afterEach(async () => {
    await store.close();
    keyStore.close();
  });

  it('creates the contact under the lead\'s subject, the account and the opportunity, with ids derived from the command id', async () => {
    const ctx = context();
    const result = await convert(ctx);
    const [contact] = await store.readStream(streamName('acme', 'sales.contact', result.contactId));
    const [lead] = await store.readStream(streamName('acme', 'sales.lead', id));
    expect(contact!.data.subjectId).to.equal(lead!.data.subjectId);
    expect((await store.readStream(streamName('acme', 'sales.account', result.accountId!)))).to.have.length(1);
    expect((await store.readStream(streamName('acme', 'sales.opportunity', result.opportunityId!)))).to.have.length(1);
  });

  it('a retried command (same command id) answers the same ids and appends nothing', async () => {
    const ctx = context();
    const first = await convert(ctx);
    const head = await store.headPosition();
    const again = await convert(ctx);
    expect(again).to.deep.equal(first);
    expect(await store.headPosition()).to.equal(head);
  });

  it('another command converting the same lead is a 409 lead_already_converted that appends nothing', async () => {
    await convert(context());
    const head = await store.headPosition();
    const error = await caught(convert(context()));
    expect(error).to.have.property('code', 'lead_already_converted');
    expect(await store.headPosition()).to.equal(head);
  });

  it('creates no account for a lead whose company is blank (stored before names had to carry text)', async () => {
    id = randomUUID();
    const subjectId = await keyStore.newSubjectId('acme');
    const command = { type: 'CreateRecord' as const, fields: { ...fields, email: 'blank@example.org', company: '   ' }, ownerId: 'user-1', tags: [], subjectId, config };
    await handleCommand(deps(), leadAggregate, { id, command, context: context() });
    const ctx = context();
    const result = await convert(ctx);
    expect(result.accountId).to.equal(null);
    const accounts = (await store.readAll({ maxCount: 1_000 })).filter((e) => e.stream.startsWith('acme/sales.account/'));
    expect(accounts).to.deep.equal([]);
    const [deal] = await store.readStream(streamName('acme', 'sales.opportunity', result.opportunityId!));
    expect((deal!.data.fields as Record<string, unknown>).accountId).to.equal(undefined);
  });
});
