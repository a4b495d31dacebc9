import { expect } from 'chai';
import { join } from 'node:path';
import type { EventStore, RecordedEvent } from '../../../src/events/log/port.js';
import { openSqliteEventStore } from '../../../src/events/log/sqlite.js';
import { streamName } from '../../../src/events/log/stream-name.js';
import { openKeyStore, type KeyStore } from '../../../src/events/personal-data/key-store.js';
import { withheldEvent } from '../../../src/events/personal-data/read.js';
import { learnStreamSubjects, readableEvents } from '../../../src/events/personal-data/stream-subjects.js';
import { appendAsOldVersion, appendAsStored, newKey, storedFixtures, useTempDir } from './support.js';

// A lead as stored before its reasons were personal: created (naming its subject), then disqualified (naming none).
const [leadCreated] = storedFixtures('plaintext-person-fields').filter((f) => f.type === 'LeadCreated');
const leadStream = streamName('acme', 'sales.lead', leadCreated!.metadata.aggregateId as string);
const leadSubject = leadCreated!.data.subjectId as string;
const erasure = { by: 'user-dpo', reason: 'GDPR art. 17', at: new Date('2026-12-01T10:00:00Z') };

describe('learnStreamSubjects and readableEvents: old events of a record\'s own that name no subject', () => {
  const dir = useTempDir('crm-stream-subjects-');
  let store: EventStore;
  let keyStore: KeyStore;
  let stored: RecordedEvent[];
  const reads: string[] = [];
  beforeEach(async () => {
    const inner = openSqliteEventStore(join(dir.path, 'events.db'));
    store = { ...inner, kind: inner.kind, readStream: (stream, options) => (reads.push(stream), inner.readStream(stream, options)) };
    keyStore = openKeyStore(join(dir.path, 'keys.db'), newKey());
    await appendAsStored(store, keyStore, [leadCreated!]);
    await appendAsOldVersion(store, leadStream, 'LeadDisqualified', { reason: 'Her brother Lucius says no' });
    await appendAsOldVersion(store, leadStream, 'LeadStatusChanged', { status: 'nurturing' });
    stored = await store.readStream(leadStream);
    reads.length = 0;
  });
  afterEach(async () => {
    await store.close();
    keyStore.close();
  });

  it('learns the stream\'s subject from its first event: among the events given, else read from the store once', async () => {
    expect([...(await learnStreamSubjects(store, stored, new Map())).entries()]).to.deep.equal([[leadStream, leadSubject]]);
    expect(reads).to.deep.equal([]);
    const memo = await learnStreamSubjects(store, stored.slice(1), new Map());
    expect([memo.get(leadStream), reads]).to.deep.equal([leadSubject, [leadStream]]);
    await learnStreamSubjects(store, stored.slice(1), memo);
    expect(reads).to.have.length(1);
  });

  it('looks nothing up for events that name their subject or cannot hold legacy plaintext', async () => {
    expect((await learnStreamSubjects(store, [stored[0]!, stored[2]!], new Map())).size).to.equal(0);
    expect(reads).to.deep.equal([]);
  });

  it('reads the old reason as written while the subject has a key, null and erased once it is erased', async () => {
    expect((await readableEvents(store, keyStore, stored)).map((e) => [e.data.reason, e.erased])[1]).to.deep.equal(['Her brother Lucius says no', []]);
    keyStore.erase('acme', leadSubject, erasure);
    const [created, disqualified, changed] = await readableEvents(store, keyStore, stored);
    expect([disqualified!.data, disqualified!.erased]).to.deep.equal([{ reason: null }, ['reason']]);
    expect([created!.data.subjectId, changed!.data]).to.deep.equal([leadSubject, { status: 'nurturing' }]);
  });

  it('withholds it, whatever its subject, from readers not allowed to see personal values', () => {
    const withheld = withheldEvent()(stored[1]!);
    expect([withheld.data, withheld.withheld]).to.deep.equal([{ reason: null }, ['reason']]);
  });
});
