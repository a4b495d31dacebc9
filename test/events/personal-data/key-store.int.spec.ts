import { expect } from 'chai';
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError } from '../../../src/errors.js';
import { decryptField, encryptField } from '../../../src/events/personal-data/cipher.js';
import {
  InvalidSubjectError,
  MasterKeyMismatchError,
  PersonalDataIntegrityError,
  SubjectErasedError,
} from '../../../src/events/personal-data/errors.js';
import { LOOKUP_SUBJECT, openKeyStore, type KeyStore } from '../../../src/events/personal-data/key-store.js';
import { masterKeyId } from '../../../src/events/personal-data/master-key.js';
import { newKey, thrown, useTempDir } from './support.js';

const erasure = { by: 'user-dpo', reason: 'GDPR art. 17 request', at: new Date('2026-11-22T10:00:00Z') };

describe('personal data: key store', () => {
  const dir = useTempDir('crm-keys-');
  const opened: KeyStore[] = [];
  const file = () => join(dir.path, 'keys.db');
  const open = (master: Buffer, options = {}) => {
    const store = openKeyStore(file(), master, options);
    opened.push(store);
    return store;
  };
  afterEach(() => opened.splice(0).forEach((store) => store.close()));

  it('mints one key per (tenant, subject), returns the same key again, also after reopening', () => {
    const master = newKey();
    const store = open(master);
    const key = store.keyFor('acme', 's1');
    expect(key).to.have.length(32);
    expect(store.keyFor('acme', 's1').equals(key)).to.equal(true);
    expect(store.keyFor('acme', 's2').equals(key)).to.equal(false);
    expect(store.keyFor('globex', 's1').equals(key)).to.equal(false);
    store.close();
    expect(open(master).existingKey('acme', 's1')).to.satisfy((k: Buffer) => k.equals(key));
  });

  it('creates keys.db and its WAL files with mode 0600, in WAL mode', () => {
    open(newKey()).keyFor('acme', 's1');
    for (const name of ['keys.db', 'keys.db-wal', 'keys.db-shm']) {
      expect(statSync(join(dir.path, name)).mode & 0o777, name).to.equal(0o600);
    }
    const db = new Database(file(), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
    db.close();
  });

  it('never mints from existingKey', () => {
    const store = open(newKey());
    expect(store.existingKey('acme', 'nobody')).to.equal(undefined);
    expect(store.existingKey('acme', 'nobody')).to.equal(undefined);
    expect(store.isErased('acme', 'nobody')).to.equal(false);
  });

  it('a wrong master key cannot unwrap: the store refuses to open over keys wrapped by another one', () => {
    open(newKey()).keyFor('acme', 's1');
    opened.splice(0).forEach((s) => s.close());
    const error = thrown(() => openKeyStore(file(), newKey()));
    expect(error).to.be.instanceOf(MasterKeyMismatchError);
    expect(error.code).to.equal('master_key_mismatch');
  });

  it('erases: tombstone kept, key gone, keyFor refuses with subject_erased, a second erase is fine', () => {
    const store = open(newKey());
    store.keyFor('acme', 's1');
    const first = store.erase('acme', 's1', erasure);
    expect(first).to.deep.equal({ alreadyErased: false, erasedAt: erasure.at, walCheckpointed: true });
    expect(store.isErased('acme', 's1')).to.equal(true);
    expect(store.existingKey('acme', 's1')).to.equal('erased');
    const error = thrown(() => store.keyFor('acme', 's1'));
    expect(error).to.be.instanceOf(SubjectErasedError).and.to.be.instanceOf(ConflictError);
    expect(error).to.include({ code: 'subject_erased', status: 409 });
    const second = store.erase('acme', 's1', { ...erasure, at: new Date('2027-01-01T00:00:00Z') });
    expect(second).to.deep.equal({ alreadyErased: true, erasedAt: erasure.at, walCheckpointed: true });
    expect(store.keyFor('acme', 's2')).to.have.length(32);
  });

  it('keeps who, when and why in the tombstone, and no key bytes', () => {
    const store = open(newKey());
    store.keyFor('acme', 's1');
    store.erase('acme', 's1', erasure);
    store.close();
    const db = new Database(file(), { readonly: true });
    const row = db.prepare('SELECT * FROM data_keys WHERE subject_id = ?').get('s1');
    db.close();
    expect(row).to.deep.include({ wrapped_key: null, master_key_id: null, erased_by: 'user-dpo' });
    expect(row).to.deep.include({ reason: 'GDPR art. 17 request' });
    expect(row).to.deep.include({ erased_at: erasure.at.toISOString() });
  });

  it('tombstones a subject that never had a key: no key is ever minted for them', () => {
    const store = open(newKey());
    expect(store.erase('acme', 'never', erasure).alreadyErased).to.equal(false);
    expect(thrown(() => store.keyFor('acme', 'never')).code).to.equal('subject_erased');
  });

  it('refuses to erase a reserved subject (the tenant lookup key)', () => {
    const store = open(newKey());
    expect(thrown(() => store.erase('acme', LOOKUP_SUBJECT, erasure))).to.be.instanceOf(InvalidSubjectError);
  });

  it('a wrong master key cannot unwrap even when the stored key ids are forged', () => {
    open(newKey()).keyFor('acme', 's1');
    opened.splice(0).forEach((s) => s.close());
    const wrong = newKey();
    const db = new Database(file());
    db.prepare('UPDATE data_keys SET master_key_id = ?').run(masterKeyId(wrong));
    db.prepare('UPDATE key_store_meta SET master_key_id = ?').run(masterKeyId(wrong));
    db.close();
    expect(thrown(() => open(wrong).existingKey('acme', 's1'))).to.be.instanceOf(PersonalDataIntegrityError);
  });

  it('a process still on the old master key cannot mint after another one rotated', () => {
    const [oldMaster, newMaster] = [newKey(), newKey()];
    const server = open(oldMaster);
    const cli = open(oldMaster);
    const key = server.keyFor('acme', 's1');
    expect(cli.rotateMaster(newMaster)).to.equal(1);
    expect(server.keyFor('acme', 's1').equals(key)).to.equal(true); // cached: the data key did not change
    expect(thrown(() => server.keyFor('acme', 's2'))).to.be.instanceOf(MasterKeyMismatchError);
  });

  it('a reader (a replay, an offline rebuild) with a mistyped master key records nothing, so the server can still mint, even before any data key exists', () => {
    const [real, typo] = [newKey(), newKey()];
    const server = open(real);
    expect(thrown(() => open(typo, { masterRecording: 'never' }))).to.be.instanceOf(MasterKeyMismatchError);
    expect(server.keyFor('acme', 's1')).to.have.length(32);
    expect(() => open(real, { masterRecording: 'never' })).not.to.throw();
  });

  it('a CLI writer (admin create) adopts its master key on a new store, and refuses another than the recorded one even before any data key exists', () => {
    const [real, typo] = [newKey(), newKey()];
    open(real, { masterRecording: 'adopt' }).close();
    expect(thrown(() => open(typo, { masterRecording: 'adopt' }))).to.be.instanceOf(MasterKeyMismatchError);
    const server = open(real);
    expect(server.keyFor('acme', 's1')).to.have.length(32);
    expect(server.masterKeyId()).to.equal(masterKeyId(real));
  });

  it('sees an erasure made by another process at the next keyFor', () => {
    const master = newKey();
    const server = open(master);
    const cli = open(master);
    server.keyFor('acme', 's1');
    cli.erase('acme', 's1', erasure);
    expect(thrown(() => server.keyFor('acme', 's1')).code).to.equal('subject_erased');
  });

  it('rotates the master key: every live key re-wrapped, the old master no longer opens, the new one does', () => {
    const [oldMaster, newMaster] = [newKey(), newKey()];
    const store = open(oldMaster, { cacheLimit: 2 });
    const place = (subject: string) => ({ tenant: 'acme', subject, field: 'email' });
    const subjects = Array.from({ length: 1200 }, (_, i) => `s${i}`); // more than one rotation page
    const texts = subjects.map((s) => encryptField(store.keyFor('acme', s), place(s), `${s}@example.com`));
    store.erase('acme', 's7', erasure);
    expect(store.rotateMaster(newMaster)).to.equal(1199);
    expect(store.masterKeyId()).to.equal(masterKeyId(newMaster));
    opened.splice(0).forEach((s) => s.close());
    expect(thrown(() => openKeyStore(file(), oldMaster))).to.be.instanceOf(MasterKeyMismatchError);
    const reopened = open(newMaster);
    subjects.forEach((s, i) => {
      const key = reopened.existingKey('acme', s);
      if (s === 's7') return expect(key).to.equal('erased');
      expect(decryptField(key as Buffer, place(s), texts[i]!)).to.equal(`${s}@example.com`);
    });
  });

  it('keeps the cache within its bound, and erase evicts', () => {
    const store = open(newKey(), { cacheLimit: 5 });
    for (let i = 0; i < 50; i++) {
      store.keyFor('acme', `s${i}`);
      expect(store.stats().cached).to.be.at.most(5);
    }
    expect(store.stats()).to.deep.equal({ cached: 5, cacheLimit: 5 });
    store.erase('acme', 's49', erasure);
    expect(store.stats().cached).to.equal(4);
    expect(store.existingKey('acme', 's49')).to.equal('erased');
  });

  it('hands out copies: a caller scribbling on a key does not corrupt the cache', () => {
    const store = open(newKey());
    const key = store.keyFor('acme', 's1');
    const copy = Buffer.from(key);
    key.fill(0);
    expect(store.keyFor('acme', 's1').equals(copy)).to.equal(true);
  });
});
