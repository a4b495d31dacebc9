import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openIdentityDb } from '../../../src/access/identity-db.js';
import { currentPrivateJwk, openSigningKeys } from '../../../src/access/signing-keys.js';
import { loadConfig } from '../../../src/config.js';
import { openKeyStore } from '../../../src/events/personal-data/key-store.js';
import { masterKeyId, readKeyFile, resolveMasterKey } from '../../../src/events/personal-data/master-key.js';
import { rotateMasterKey } from '../../../src/events/personal-data/rotation.js';
import { newKey, recordingLogger, thrown, useTempDir } from './support.js';

describe('keys rotate-master', () => {
  const dir = useTempDir('crm-rotate-');
  const keysFile = () => join(dir.path, 'keys.db');

  /** Mints keys for three subjects under `master` and returns them. */
  const seed = (master: Buffer): Buffer[] => {
    const keys = openKeyStore(keysFile(), master);
    const minted = ['s1', 's2', 's3'].map((s) => keys.keyFor('acme', s));
    keys.erase('acme', 's3', { by: 'dpo', reason: 'request', at: new Date() });
    keys.close();
    return minted;
  };

  it('with CRM_MASTER_KEY: re-wraps every live key under CRM_NEW_MASTER_KEY; data keys stay the same', () => {
    const old = newKey();
    const next = newKey();
    const [k1, k2] = seed(old);
    const config = loadConfig({ DATA_DIR: dir.path, CRM_MASTER_KEY: old.toString('base64') });
    const result = rotateMasterKey(config, next.toString('base64'), recordingLogger());
    expect(result).to.deep.equal({ rotated: 2, signingKeys: 0, previousMasterKeyId: masterKeyId(old), masterKeyId: masterKeyId(next) });
    const keys = openKeyStore(keysFile(), next);
    expect(keys.existingKey('acme', 's1')).to.deep.equal(k1);
    expect(keys.existingKey('acme', 's2')).to.deep.equal(k2);
    expect(keys.existingKey('acme', 's3')).to.equal('erased');
    keys.close();
    expect(thrown(() => openKeyStore(keysFile(), old)).code).to.equal('master_key_mismatch');
  });

  it('seals the token signing keys again under the new master key: a server starting with it signs with the same key', async () => {
    const [old, next] = [newKey(), newKey()];
    seed(old);
    const identity = () => openIdentityDb(join(dir.path, 'identity.db'));
    const before = identity();
    const signing = await openSigningKeys(before, old);
    const kid = await signing.rotate(); // two keys: the first one, and the current one
    before.close();
    const config = loadConfig({ DATA_DIR: dir.path, CRM_MASTER_KEY: old.toString('base64') });
    expect(rotateMasterKey(config, next.toString('base64'), recordingLogger())).to.include({ rotated: 2, signingKeys: 2 });
    const after = identity();
    try {
      expect((await openSigningKeys(after, next)).current().kid).to.equal(kid);
      expect(thrown(() => currentPrivateJwk(after, old)).code).to.equal('personal_data_integrity');
      // Run again after a crash between the two stores: the data keys are done, the signing keys too.
      expect(rotateMasterKey(config, next.toString('base64'), recordingLogger())).to.include({ rotated: 0, signingKeys: 0 });
    } finally {
      after.close();
    }
  });

  it('with CRM_MASTER_KEY but no CRM_NEW_MASTER_KEY (or a malformed one): refuses and changes nothing', () => {
    const old = newKey();
    seed(old);
    const config = loadConfig({ DATA_DIR: dir.path, CRM_MASTER_KEY: old.toString('base64') });
    expect(thrown(() => rotateMasterKey(config, undefined, recordingLogger())).code).to.equal('new_master_key_required');
    expect(thrown(() => rotateMasterKey(config, 'c2hvcnQ=', recordingLogger())).code).to.equal('invalid_master_key');
    openKeyStore(keysFile(), old).close();
  });

  it('with the generated key file: generates a new key, re-wraps, and replaces the file', () => {
    const config = loadConfig({ DATA_DIR: dir.path });
    const old = resolveMasterKey(config, recordingLogger());
    const [k1] = seed(old);
    const result = rotateMasterKey(config, undefined, recordingLogger());
    const now = readKeyFile(join(dir.path, 'master.key'))!;
    expect(result).to.deep.include({ rotated: 2, previousMasterKeyId: masterKeyId(old), masterKeyId: masterKeyId(now) });
    expect(now.equals(old)).to.equal(false);
    expect(existsSync(join(dir.path, 'master.key.next'))).to.equal(false);
    const keys = openKeyStore(keysFile(), now);
    expect(keys.existingKey('acme', 's1')).to.deep.equal(k1);
    keys.close();
  });

  it('finishes a rotation that died after the re-wrap but before the rename', () => {
    const config = loadConfig({ DATA_DIR: dir.path });
    const old = resolveMasterKey(config, recordingLogger());
    const [k1] = seed(old);
    const staged = randomBytes(32);
    writeFileSync(join(dir.path, 'master.key.next'), `${staged.toString('base64')}\n`, { mode: 0o600 });
    const keys = openKeyStore(keysFile(), old);
    keys.rotateMaster(staged);
    keys.close();
    const result = rotateMasterKey(config, undefined, recordingLogger());
    expect(result).to.deep.include({ rotated: 0, masterKeyId: masterKeyId(staged) });
    expect(readKeyFile(join(dir.path, 'master.key'))!.equals(staged)).to.equal(true);
    const reopened = openKeyStore(keysFile(), staged);
    expect(reopened.existingKey('acme', 's1')).to.deep.equal(k1);
    reopened.close();
  });

  it('discards a staged key that never took effect and rotates afresh', () => {
    const config = loadConfig({ DATA_DIR: dir.path });
    const old = resolveMasterKey(config, recordingLogger());
    seed(old);
    writeFileSync(join(dir.path, 'master.key.next'), `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const result = rotateMasterKey(config, undefined, recordingLogger());
    expect(result.rotated).to.equal(2);
    openKeyStore(keysFile(), readKeyFile(join(dir.path, 'master.key'))!).close();
  });
});
