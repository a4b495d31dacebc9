/**
 * Personal data through the one command handler, proven on contacts (design §4): the log never
 * holds a personal value in plaintext, erasure leaves none in any file under DATA_DIR, old
 * events read back with the personal fields null and listed as erased, non-personal facts stay.
 */
import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eraseSubject } from '../../../src/commands/compliance/subject.js';
import { handleCommand, type CommandContext } from '../../../src/commands/handle.js';
import { contactAggregate } from '../../../src/commands/sales/contact.js';
import type { RecordCommand } from '../../../src/commands/catalogue.js';
import type { EventStore } from '../../../src/events/log/port.js';
import { openSqliteEventStore } from '../../../src/events/log/sqlite.js';
import { streamName } from '../../../src/events/log/stream-name.js';
import { openKeyStore, type KeyStore } from '../../../src/events/personal-data/key-store.js';
import { readableEvent } from '../../../src/events/personal-data/read.js';
import { caught } from '../../support/caught.js';
import { useTempDir } from '../../events/personal-data/support.js';

const context = (over: Partial<CommandContext> = {}): CommandContext => ({
  tenantId: 'acme', actorId: 'user-1', commandId: randomUUID(), correlationId: randomUUID(),
  now: new Date('2026-11-23T10:00:00Z'), ...over,
});
const person = {
  firstName: 'Xaviera', lastName: 'Quindlebottom', email: 'xaviera.q@example.org', phone: '+49 30 1234567', jobTitle: 'Chief Cartographer', city: 'Quedlinburg',
};
const create = (subjectId: string): RecordCommand =>
  ({ type: 'CreateRecord', fields: { ...person, accountId: 'acct-7f3k' }, ownerId: 'user-1', tags: ['vip'], subjectId });

/** Every byte of every file under the directory (databases, -wal, -shm, key files). */
const bytesUnder = (dir: string): Buffer =>
  Buffer.concat(readdirSync(dir).map((name) => readFileSync(join(dir, name))));

describe('contacts through the command handler: personal data', () => {
  const dir = useTempDir('crm-contact-');
  let store: EventStore;
  let keyStore: KeyStore;
  let id: string;
  let subjectId: string;
  const deps = () => ({ store, keyStore });
  const send = (command: RecordCommand, ctx = context()) => handleCommand(deps(), contactAggregate, { id, command, context: ctx });
  const stored = () => store.readStream(streamName('acme', 'sales.contact', id));
  const readBack = async () => (await stored()).map(readableEvent(keyStore));

  beforeEach(() => {
    store = openSqliteEventStore(join(dir.path, 'events.db'));
    keyStore = openKeyStore(join(dir.path, 'keys.db'), randomBytes(32));
    id = randomUUID();
    subjectId = randomUUID();
  });
  afterEach(async () => {
    await store.close();
    keyStore.close();
  });

  it('stores every personal field encrypted, described in metadata, and reads it back in plaintext', async () => {
    await send(create(subjectId));
    await send({ type: 'UpdateRecord', changes: { email: 'x.q@example.net', city: 'Paris' } });
    const [created, updated] = await stored();
    expect(JSON.stringify(created!.data)).not.to.include('Xaviera');
    expect(created!.data).to.deep.include({ subjectId, ownerId: 'user-1', tags: ['vip'] });
    expect(created!.metadata.personalData).to.deep.equal({
      subjects: [subjectId],
      fields: ['firstName', 'lastName', 'email', 'phone', 'jobTitle', 'city'].map((f) => `fields.${f}`),
    });
    expect(updated!.metadata.personalData).to.deep.equal({ subjects: [subjectId], fields: ['changes.email', 'changes.city'] });
    const [first, second] = await readBack();
    expect(first!.data.fields).to.deep.equal({ ...person, accountId: 'acct-7f3k' });
    expect(second!.data.changes).to.deep.equal({ email: 'x.q@example.net', city: 'Paris' });
  });

  it('never writes a personal value in plaintext to events.db or its WAL (acceptance)', async () => {
    await Promise.all(Array.from({ length: 20 }, async () => {
      const ctx = context();
      await handleCommand(deps(), contactAggregate, { id: randomUUID(), context: ctx, command: create(randomUUID()) });
    }));
    await send(create(subjectId));
    const bytes = bytesUnder(dir.path);
    for (const value of Object.values(person)) expect(bytes.includes(Buffer.from(value)), value).to.equal(false);
    expect(bytes.includes(Buffer.from('acct-7f3k'))).to.equal(true);
  });

  describe('after the subject is erased', () => {
    beforeEach(async () => {
      await send(create(subjectId));
      await send({ type: 'UpdateRecord', changes: { lastName: 'Quindle-Smith', country: 'DE' } });
      await eraseSubject(deps(), { subjectId, reason: 'GDPR art. 17 request #42', context: context({ actorId: 'dpo-1' }) });
    });

    it('reads old events with the personal fields null and listed as erased; other facts stay', async () => {
      const [created, updated] = await readBack();
      expect(created!.data.fields).to.deep.equal({
        firstName: null, lastName: null, email: null, phone: null, jobTitle: null, city: null, accountId: 'acct-7f3k',
      });
      expect(created!.erased).to.deep.equal(['firstName', 'lastName', 'email', 'phone', 'jobTitle', 'city'].map((f) => `fields.${f}`));
      expect(updated!.data.changes).to.deep.equal({ lastName: null, country: 'DE' });
      expect(updated!.erased).to.deep.equal(['changes.lastName']);
    });

    it('records PersonalDataErased (who, when, why; no personal data) once, however often it is erased', async () => {
      const again = await eraseSubject(deps(), { subjectId, reason: 'again', context: context() });
      expect(again.alreadyErased).to.equal(true);
      const events = await store.readStream(streamName('acme', 'compliance.subject', subjectId));
      expect(events.map((e) => [e.type, e.data])).to.deep.equal([
        ['PersonalDataErased', { subjectId, reason: 'GDPR art. 17 request #42', erasedBy: 'dpo-1', erasedAt: '2026-11-23T10:00:00.000Z' }],
      ]);
    });

    it('leaves none of their plaintext in any file under DATA_DIR (acceptance)', async () => {
      const bytes = bytesUnder(dir.path);
      for (const value of [...Object.values(person), 'Quindle-Smith']) expect(bytes.includes(Buffer.from(value)), value).to.equal(false);
    });

    it('refuses a command carrying personal data about them (409 subject_erased) and appends nothing', async () => {
      const error = await caught(send({ type: 'UpdateRecord', changes: { firstName: 'Again' } }));
      expect(error).to.have.property('code', 'subject_erased');
      expect(error).to.have.property('status', 409);
      expect(await stored()).to.have.length(2);
    });

    it('still accepts changes to non-personal fields of the record', async () => {
      expect((await send({ type: 'UpdateRecord', changes: { country: 'FR' } })).revision).to.equal(2n);
    });

    it('refuses to create a new record about the erased subject', async () => {
      id = randomUUID();
      expect(await caught(send(create(subjectId)))).to.have.property('code', 'subject_erased');
    });
  });

  it('refuses an erasure without a reason and destroys nothing', async () => {
    await send(create(subjectId));
    expect(await caught(eraseSubject(deps(), { subjectId, reason: ' ', context: context() }))).to.have.property('code', 'reason_required');
    expect(keyStore.isErased('acme', subjectId)).to.equal(false);
  });
});
