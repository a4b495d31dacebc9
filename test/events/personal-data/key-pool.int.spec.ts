import { expect } from 'chai';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { startMinter } from '../../../src/events/personal-data/key-minter.js';
import { openKeyStore, type KeyStore } from '../../../src/events/personal-data/key-store.js';
import { masterKeyId } from '../../../src/events/personal-data/master-key.js';
import { caught } from '../../support/caught.js';
import { newKey, useTempDir } from './support.js';

const rowCount = (file: string): number => {
  const db = new Database(file, { readonly: true });
  const n = db.prepare('SELECT count(*) FROM data_keys').pluck().get() as number;
  db.close();
  return n;
};

describe('personal data: key store, new subjects (newSubjectId)', () => {
  const dir = useTempDir('crm-key-pool-');
  const master = newKey();
  const file = () => join(dir.path, 'keys.db');
  let keys: KeyStore;
  beforeEach(() => (keys = openKeyStore(file(), master)));
  afterEach(() => keys.close());

  it('hands out distinct subject ids whose keys are already stored, batched rather than one write each', async () => {
    const ids = await Promise.all(Array.from({ length: 200 }, () => keys.newSubjectId('acme')));
    expect(new Set(ids).size).to.equal(200);
    const v7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    ids.forEach((id) => expect(id).to.match(v7));
    const mintedAt = parseInt(ids[0]!.replace('-', '').slice(0, 12), 16); // UUIDv7: the first 48 bits are the time
    expect(Math.abs(mintedAt - Date.now())).to.be.below(60_000);
    const other = openKeyStore(file(), master);
    ids.forEach((id) => expect(other.existingKey('acme', id)).to.be.instanceOf(Buffer));
    other.close();
    const rows = rowCount(file()); // a few batches of 64 and more (demand outran them), not 200 separate mints
    expect(rows % 64).to.equal(0);
    expect(rows).to.be.within(256, 1024);
  });

  it('drops a batch still being minted at close, and hands out nothing afterwards', async () => {
    const first = await keys.newSubjectId('acme'); // the next batch is now minted ahead, on the thread
    keys.close();
    expect(rowCount(file())).to.equal(1);
    expect(await caught(keys.newSubjectId('acme'))).to.have.property('code', 'key_store_closed');
    keys = openKeyStore(file(), master);
    expect(keys.existingKey('acme', first)).to.be.instanceOf(Buffer);
  });

  it('mints on its own thread, answering only committed keys (not falling back to the calling thread)', async () => {
    const minter = startMinter(file());
    const minted = await minter.mint('acme', 3, { key: master, id: masterKeyId(master) });
    expect(minted).to.have.length(3);
    expect(minter.close()).to.deep.equal([]);
    minted!.forEach(({ subject, key }) => expect(keys.existingKey('acme', subject)).to.deep.equal(key));
  });

  it('mints on the calling thread for an in-memory key store', async () => {
    const memory = openKeyStore(':memory:', master);
    const id = await memory.newSubjectId('acme');
    expect(memory.keyFor('acme', id)).to.deep.equal(memory.existingKey('acme', id));
    memory.close();
  });

  it('keeps the keys of handed-out subjects after closing, and deletes only the ones never handed out', async () => {
    const ids = await Promise.all([keys.newSubjectId('acme'), keys.newSubjectId('acme'), keys.newSubjectId('globex')]);
    const before = ids.map((id, i) => keys.existingKey(i < 2 ? 'acme' : 'globex', id));
    keys.close();
    expect(rowCount(file())).to.equal(3);
    keys = openKeyStore(file(), master);
    ids.forEach((id, i) => expect(keys.existingKey(i < 2 ? 'acme' : 'globex', id)).to.deep.equal(before[i]));
  });

  it('never hands out a subject twice, also across a reopen', async () => {
    const first = await keys.newSubjectId('acme');
    keys.close();
    keys = openKeyStore(file(), master);
    const next = await Promise.all(Array.from({ length: 70 }, () => keys.newSubjectId('acme')));
    expect(next).not.to.include(first);
  });

  it('keys minted for one tenant are not another tenant\'s', async () => {
    const id = await keys.newSubjectId('acme');
    expect(keys.existingKey('globex', id)).to.equal(undefined);
  });

  it('refuses a malformed tenant id and mints nothing', async () => {
    expect(await caught(keys.newSubjectId(''))).to.have.property('code', 'invalid_subject');
    expect(rowCount(file())).to.equal(0);
  });
});
