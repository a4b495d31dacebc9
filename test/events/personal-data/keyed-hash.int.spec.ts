import { expect } from 'chai';
import { join } from 'node:path';
import { openKeyStore } from '../../../src/events/personal-data/key-store.js';
import { keyedHash, normalizeEmail, tenantLookupHash } from '../../../src/events/personal-data/keyed-hash.js';
import { newKey, thrown, useTempDir } from './support.js';

describe('personal data: keyed hashes', () => {
  const dir = useTempDir('crm-hash-');

  it('normalizes emails: trimmed, lower-cased, NFC', () => {
    expect(normalizeEmail('  Zoe.Durand@Example.COM ')).to.equal('zoe.durand@example.com');
    expect(normalizeEmail('zoe\u0301@example.com')).to.equal(normalizeEmail('zoé@example.com'));
  });

  it('hashes equal (normalized) values equally under one key, differently under another key or purpose', () => {
    const key = newKey();
    const hash = keyedHash(key, 'email', 'Zoe@Example.com');
    expect(hash).to.equal(keyedHash(key, 'email', ' zoe@example.com')).and.to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(keyedHash(newKey(), 'email', 'zoe@example.com')).not.to.equal(hash);
    expect(keyedHash(key, 'phone', 'zoe@example.com')).not.to.equal(hash);
    expect(thrown(() => keyedHash(key, '', 'x')).code).to.equal('invalid_purpose');
  });

  it('dies with the subject key: after erasure nothing can recompute it', () => {
    const keys = openKeyStore(join(dir.path, 'keys.db'), newKey());
    const hash = keyedHash(keys.keyFor('acme', 's1'), 'email', 'zoe@example.com');
    keys.erase('acme', 's1', { by: 'dpo', reason: 'request', at: new Date() });
    expect(hash).to.have.length(43);
    expect(keys.existingKey('acme', 's1')).to.equal('erased');
    expect(thrown(() => keyedHash(keys.keyFor('acme', 's1'), 'email', 'zoe@example.com')).code).to.equal('subject_erased');
    keys.close();
  });

  it('tenant lookup hashes match across subjects, differ across tenants, and survive one subject erasure', () => {
    const master = newKey();
    let keys = openKeyStore(join(dir.path, 'keys.db'), master);
    const first = tenantLookupHash(keys, 'acme', 'email', 'Zoe@example.com');
    keys.erase('acme', 's1', { by: 'dpo', reason: 'request', at: new Date() });
    keys.close();
    keys = openKeyStore(join(dir.path, 'keys.db'), master);
    expect(tenantLookupHash(keys, 'acme', 'email', 'zoe@example.com ')).to.equal(first);
    expect(tenantLookupHash(keys, 'globex', 'email', 'zoe@example.com')).not.to.equal(first);
    keys.close();
  });
});
