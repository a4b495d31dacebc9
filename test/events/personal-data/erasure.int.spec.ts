/**
 * Acceptance (design §4): after erasure neither the subject's data key (raw, hex, base64, nor its
 * wrapped form) nor any of their plaintext values exists in any file of the data directory,
 * `-wal` and `-shm` included; old events read back with the fields null and listed as erased.
 */
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStore } from '../../../src/events/log/port.js';
import { openSqliteEventStore } from '../../../src/events/log/sqlite.js';
import { streamName } from '../../../src/events/log/stream-name.js';
import { openKeyStore, type KeyStore } from '../../../src/events/personal-data/key-store.js';
import { descriptorOf, personalDataDescriptor, protect, reveal } from '../../../src/events/personal-data/protect.js';
import { newKey, useTempDir } from './support.js';

const spec = { subjectField: 'subjectId', fields: ['firstName', 'lastName', 'email', 'notes'] };
const person = (n: number) => ({
  subjectId: `subj-${n}`, firstName: `Firstname${n}Xq`, lastName: `Lastname${n}Zw`, email: `person${n}.unique@example.com`,
  notes: `note-about-${n}-${'confidential'.repeat(20)}`, amount: 1000 * n, stage: 'won',
});

/** Every file in the directory as raw bytes, with its name. */
const filesOf = (dir: string): Array<{ name: string; bytes: Buffer }> =>
  readdirSync(dir).map((name) => ({ name, bytes: readFileSync(join(dir, name)) }));

/** 8-byte windows: any surviving fragment of a random value counts (a chance match is ~2^-64 per offset). */
const windows = (bytes: Buffer, size = 8): Buffer[] =>
  Array.from({ length: bytes.length - size + 1 }, (_, i) => bytes.subarray(i, i + size));

const needlesFor = (key: Buffer, wrapped: Buffer, values: string[]): Buffer[] => [
  ...windows(key), Buffer.from(key.toString('hex')), Buffer.from(key.toString('base64')), ...windows(wrapped),
  ...values.map((v) => Buffer.from(v, 'utf8')),
];

const wrappedKeyOf = (file: string, subject: string): Buffer => {
  const db = new Database(file, { readonly: true });
  const wrapped = db.prepare('SELECT wrapped_key FROM data_keys WHERE subject_id = ?').pluck().get(subject) as Buffer;
  db.close();
  return wrapped;
};

describe('personal data: erasure leaves nothing behind (acceptance)', () => {
  const dir = useTempDir('crm-erasure-');
  const master = newKey();
  let keys: KeyStore;
  let events: EventStore;
  const keysFile = () => join(dir.path, 'keys.db');

  beforeEach(() => {
    keys = openKeyStore(keysFile(), master);
    events = openSqliteEventStore(join(dir.path, 'events.db'));
  });
  afterEach(async () => {
    keys.close();
    await events.close();
  });

  const record = async (n: number, times: number) => {
    for (let i = 0; i < times; i++) {
      const data = protect(keys, 'acme', spec, { ...person(n), notes: `${person(n).notes}-${i}` });
      const metadata = { tenantId: 'acme', personalData: personalDataDescriptor(spec, data)! };
      const event = { id: randomUUID(), type: 'ContactRecorded', schemaVersion: 1, data, metadata };
      await events.append(streamName('acme', 'sales.contact', `c${n}`), [event]);
    }
  };

  const scan = (needles: Buffer[]): string[] =>
    filesOf(dir.path).flatMap(({ name, bytes }) =>
      needles.filter((n) => bytes.includes(n)).map((n) => `${name}: ${n.toString('hex')}`),
    );

  it('erases one subject: no key bytes, no wrapped key, no plaintext in any file; the others intact', async () => {
    for (const n of [1, 2, 3]) await record(n, 4);
    const key = keys.keyFor('acme', 'subj-2');
    const { firstName, lastName, email, notes } = person(2);
    const values = [firstName, lastName, email, ...[0, 1, 2, 3].map((i) => `${notes}-${i}`)];
    const needles = needlesFor(key, wrappedKeyOf(keysFile(), 'subj-2'), values);
    keys.close(); // as in real life the keys were minted long before: checkpointed into keys.db itself
    keys = openKeyStore(keysFile(), master);
    expect(scan([wrappedKeyOf(keysFile(), 'subj-2')]), 'the wrapped key is on disk before erasure').to.have.length(1);

    const result = keys.erase('acme', 'subj-2', { by: 'user-dpo', reason: 'GDPR request', at: new Date() });
    expect(result).to.include({ alreadyErased: false, walCheckpointed: true });

    const names = filesOf(dir.path).map((f) => f.name);
    expect(names).to.include.members(['keys.db', 'keys.db-wal', 'keys.db-shm', 'events.db', 'events.db-wal']);
    expect(scan(needles)).to.deep.equal([]);
    expect(keys.existingKey('acme', 'subj-1')).to.be.instanceOf(Buffer);
    await events.close();
    keys.close();
    expect(scan(needles)).to.deep.equal([]);
  });

  it('old events read back with the fields null and listed as erased; other facts and subjects intact', async () => {
    for (const n of [1, 2]) await record(n, 2);
    keys.erase('acme', 'subj-2', { by: 'user-dpo', reason: 'GDPR request', at: new Date() });
    for (const n of [1, 2]) {
      for (const [i, event] of (await events.readStream(streamName('acme', 'sales.contact', `c${n}`))).entries()) {
        const shown = reveal(keys, 'acme', descriptorOf(event.metadata)!, event.data);
        if (n === 1) expect(shown).to.deep.equal({ data: { ...person(1), notes: `${person(1).notes}-${i}` }, erased: [] });
        else expect(shown.data).to.deep.equal({ ...person(2), firstName: null, lastName: null, email: null, notes: null });
        if (n === 2) expect(shown.erased).to.deep.equal(['firstName', 'lastName', 'email', 'notes']);
      }
    }
  });
});
