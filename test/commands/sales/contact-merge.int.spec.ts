/**
 * A contact merge through the command handler, interrupted between its steps and retried with the
 * same command id (what a retried Idempotency-Key sends when the first answer never got stored):
 * every step recognises its own events, so the carried consents and restriction are appended once.
 */
import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { changeConsent } from '../../../src/commands/compliance/consent.js';
import { handleCommand, type CommandContext } from '../../../src/commands/handle.js';
import { contactAggregate, type ContactState } from '../../../src/commands/sales/contact.js';
import { mergeContacts } from '../../../src/commands/sales/contact-merge.js';
import type { EventStore } from '../../../src/events/log/port.js';
import { openSqliteEventStore } from '../../../src/events/log/sqlite.js';
import { streamName } from '../../../src/events/log/stream-name.js';
import { openKeyStore, type KeyStore } from '../../../src/events/personal-data/key-store.js';
import { caught } from '../../support/caught.js';
import { useTempDir } from '../../events/personal-data/support.js';

const context = (over: Partial<CommandContext> = {}): CommandContext => ({
  tenantId: 'acme', actorId: 'user-1', commandId: randomUUID(), correlationId: randomUUID(), now: new Date('2026-11-23T10:00:00Z'), ...over,
});

describe('mergeContacts: a retry after an interruption', () => {
  const dir = useTempDir('crm-merge-');
  let store: EventStore;
  let keyStore: KeyStore;
  const deps = () => ({ store, keyStore });

  beforeEach(() => {
    store = openSqliteEventStore(join(dir.path, 'events.db'));
    keyStore = openKeyStore(join(dir.path, 'keys.db'), randomBytes(32));
  });
  afterEach(async () => {
    await store.close();
    keyStore.close();
  });

  const contact = async (subjectId: string, tags: string[]): Promise<string> => {
    const id = randomUUID();
    const fields = { firstName: 'Ada', lastName: 'Lovelace', email: `${id}@example.org` };
    await handleCommand(deps(), contactAggregate, { id, context: context(), command: { type: 'CreateRecord', fields, ownerId: 'user-1', tags, subjectId } });
    return id;
  };
  const types = async (type: string, id: string) => (await store.readStream(streamName('acme', type, id))).map((e) => e.type);

  it('replays the survivor\'s absorption and its subject\'s consents and restriction, then retires the loser', async () => {
    const [mine, theirs] = [randomUUID(), randomUUID()];
    const [survivor, loser] = [await contact(mine, ['vip']), await contact(theirs, ['webinar'])];
    const change = { type: 'RecordConsent' as const, purpose: 'calls' as const, granted: false, source: 'phone' };
    await changeConsent(deps(), { subjectId: theirs, change, context: context() });
    await changeConsent(deps(), { subjectId: theirs, change: { type: 'RestrictProcessing', ground: 'legal_claims' }, context: context() });
    const ctx = context();
    let checks = 0;
    // The loser's check passes before the absorption, then fails before the loser is retired: an interruption after step 3.
    const interrupted = (_: ContactState) => {
      if ((checks += 1) > 1) throw new Error('interrupted');
    };
    const failed = await caught(mergeContacts(deps(), { request: { id: survivor, context: ctx }, loserId: loser, loserGuard: interrupted }));
    expect((failed as Error).message).to.equal('interrupted');
    expect(await types('compliance.consent', mine)).to.deep.equal(['ProcessingRestricted', 'ConsentWithdrawn']);
    expect(await types('sales.contact', loser)).to.deep.equal(['ContactCreated']);
    const retried = await mergeContacts(deps(), { request: { id: survivor, context: ctx }, loserId: loser });
    expect(await types('compliance.consent', mine)).to.deep.equal(['ProcessingRestricted', 'ConsentWithdrawn']);
    expect(await types('sales.contact', survivor)).to.deep.equal(['ContactCreated', 'ContactAbsorbed', 'ContactTagged']);
    expect(await types('sales.contact', loser)).to.deep.equal(['ContactCreated', 'ContactMerged', 'ContactArchived']);
    expect(retried.position).to.equal(await store.headPosition());
  });
});
