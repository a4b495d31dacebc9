import { expect } from 'chai';
import { decryptField, encryptField, isCiphertext, seal, unseal } from '../../../src/events/personal-data/cipher.js';
import { InvalidSubjectError, PersonalDataIntegrityError } from '../../../src/events/personal-data/errors.js';
import { newKey, thrown } from './support.js';

const place = { tenant: 'acme', subject: 'subject-1', field: 'email' };

describe('personal data: field cipher', () => {
  it('round-trips any JSON value', () => {
    const key = newKey();
    for (const value of ['zoe@example.com', 42, true, null, ['a', 'b'], { street: 'Rue Zoë 1', city: 'Lyon' }]) {
      expect(decryptField(key, place, encryptField(key, place, value))).to.deep.equal(value);
    }
  });

  it('writes the pd1 format: prefix, base64url nonce, base64url ciphertext and tag', () => {
    const text = encryptField(newKey(), place, 'zoe@example.com');
    const [prefix, nonce, body] = text.split(':');
    expect(prefix).to.equal('pd1');
    expect(Buffer.from(nonce!, 'base64url')).to.have.length(12);
    expect(Buffer.from(body!, 'base64url')).to.have.length(JSON.stringify('zoe@example.com').length + 16);
    expect(isCiphertext(text)).to.equal(true);
    expect(isCiphertext('zoe@example.com')).to.equal(false);
  });

  it('draws a fresh nonce each time: the same value twice gives different ciphertexts', () => {
    const key = newKey();
    const texts = new Set(Array.from({ length: 50 }, () => encryptField(key, place, 'same')));
    const nonces = new Set([...texts].map((t) => t.split(':')[1]));
    expect(texts.size).to.equal(50);
    expect(nonces.size).to.equal(50);
  });

  it('binds a ciphertext to its tenant, subject and field', () => {
    const key = newKey();
    const text = encryptField(key, place, 'zoe@example.com');
    for (const moved of [{ ...place, tenant: 'globex' }, { ...place, subject: 'subject-2' }, { ...place, field: 'phone' }]) {
      expect(thrown(() => decryptField(key, moved, text))).to.be.instanceOf(PersonalDataIntegrityError);
    }
  });

  it('refuses a tampered ciphertext, a wrong key and a malformed text with a typed error', () => {
    const key = newKey();
    const text = encryptField(key, place, 'zoe@example.com');
    const [prefix, nonce, body] = text.split(':') as [string, string, string];
    const bytes = Buffer.from(body, 'base64url');
    bytes[0]! ^= 1;
    const tampered = `${prefix}:${nonce}:${bytes.toString('base64url')}`;
    const attempts = [
      () => decryptField(key, place, tampered),
      () => decryptField(newKey(), place, text),
      () => decryptField(key, place, 'pd1:x:y'),
    ];
    for (const attempt of attempts) {
      const error = thrown(attempt);
      expect(error).to.be.instanceOf(PersonalDataIntegrityError);
      expect(error.code).to.equal('personal_data_integrity');
    }
  });

  it('refuses names holding a NUL (they would make the associated data ambiguous)', () => {
    expect(thrown(() => encryptField(newKey(), { ...place, subject: 'a\0b' }, 1))).to.be.instanceOf(InvalidSubjectError);
  });

  it('seals and unseals raw bytes (used to wrap data keys)', () => {
    const key = newKey();
    const ad = Buffer.from('acme\0subject-1');
    const secret = newKey();
    const sealed = seal(key, ad, secret);
    expect(sealed).to.have.length(12 + 32 + 16);
    expect(unseal(key, ad, sealed).equals(secret)).to.equal(true);
    expect(thrown(() => unseal(key, Buffer.from('acme\0subject-2'), sealed))).to.be.instanceOf(PersonalDataIntegrityError);
  });
});
