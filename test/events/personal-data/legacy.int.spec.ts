import { expect } from 'chai';
import { join } from 'node:path';
import type { EventStore, RecordedEvent } from '../../../src/events/log/port.js';
import { openSqliteEventStore } from '../../../src/events/log/sqlite.js';
import { openKeyStore, type KeyStore } from '../../../src/events/personal-data/key-store.js';
import { readableEvent, withheldEvent } from '../../../src/events/personal-data/read.js';
import { appendAsStored, newKey, storedFixtures, useTempDir } from './support.js';

// A contact and a lead as stored while city and job title were not personal (plaintext, not in the descriptor).
const fixtures = storedFixtures('plaintext-person-fields');
const [contactCreated, contactUpdated, leadCreated] = fixtures.map((f) => f.data);
const contactSubject = contactCreated!.subjectId as string;
const erasure = { by: 'user-dpo', reason: 'GDPR art. 17', at: new Date('2026-12-01T10:00:00Z') };

describe('reading events stored before their city and job title were personal', () => {
  const dir = useTempDir('crm-legacy-');
  let store: EventStore;
  let keyStore: KeyStore;
  let stored: RecordedEvent[];
  beforeEach(async () => {
    store = openSqliteEventStore(join(dir.path, 'events.db'));
    keyStore = openKeyStore(join(dir.path, 'keys.db'), newKey());
    await appendAsStored(store, keyStore, fixtures);
    stored = await store.readAll();
  });
  afterEach(async () => {
    await store.close();
    keyStore.close();
  });

  it('reads the plaintext values as written, beside the decrypted ones', () => {
    const read = stored.map(readableEvent(keyStore));
    expect(read.map((e) => e.data)).to.deep.equal([contactCreated, contactUpdated, leadCreated]);
    expect(read.map((e) => e.erased)).to.deep.equal([[], [], []]);
  });

  it('reads them null and lists them as erased once their subject is erased; other facts and other subjects stay', () => {
    keyStore.erase('acme', contactSubject, erasure);
    const [created, updated, lead] = stored.map(readableEvent(keyStore));
    expect(created!.data.fields).to.deep.equal({ firstName: null, lastName: null, email: null, jobTitle: null, city: null, country: 'DE' });
    expect(created!.erased).to.deep.equal(['firstName', 'lastName', 'email', 'jobTitle', 'city'].map((f) => `fields.${f}`));
    expect(created!.data).to.include({ subjectId: contactSubject, ownerId: 'user-admin' });
    expect(updated!.data.changes).to.deep.equal({ jobTitle: null, country: 'DK' });
    expect(updated!.erased).to.deep.equal(['changes.jobTitle']);
    expect(lead!.data).to.deep.equal(leadCreated);
  });

  it('withholds them, as the encrypted ones, from readers not allowed to see personal values', () => {
    const [created, updated, lead] = stored.map(withheldEvent());
    expect(created!.data.fields).to.deep.equal({ firstName: null, lastName: null, email: null, jobTitle: null, city: null, country: 'DE' });
    expect(created!.withheld).to.deep.equal(['firstName', 'lastName', 'email', 'jobTitle', 'city'].map((f) => `fields.${f}`));
    expect([updated!.data.changes, updated!.withheld]).to.deep.equal([{ jobTitle: null, country: 'DK' }, ['changes.jobTitle']]);
    expect(lead!.withheld).to.include('fields.jobTitle');
  });
});
