import { expect } from 'chai';
import { join } from 'node:path';
import type { JsonObject } from '../../../src/events/log/port.js';
import { isCiphertext } from '../../../src/events/personal-data/cipher.js';
import {
  InvalidSubjectError,
  MissingSubjectError,
  PersonalDataIntegrityError,
} from '../../../src/events/personal-data/errors.js';
import { openKeyStore, type KeyStore } from '../../../src/events/personal-data/key-store.js';
import {
  descriptorOf,
  personalDataDescriptor,
  protect,
  reveal,
  subjectsOf,
  type PersonalDataSpec,
} from '../../../src/events/personal-data/protect.js';
import { newKey, thrown, useTempDir } from './support.js';

const contactCreated: PersonalDataSpec = { subjectField: 'subjectId', fields: ['firstName', 'lastName', 'email', 'phone'] };
const data: JsonObject = {
  subjectId: 'subj-zoe', firstName: 'Zoë', lastName: 'Durand', email: 'zoe@example.com', phone: null, accountId: 'acc-1',
};
const erasure = { by: 'user-dpo', reason: 'request', at: new Date('2026-11-22T10:00:00Z') };

describe('personal data: protect and reveal', () => {
  const dir = useTempDir('crm-protect-');
  let keys: KeyStore;
  beforeEach(() => (keys = openKeyStore(join(dir.path, 'keys.db'), newKey())));
  afterEach(() => keys.close());

  it('encrypts exactly the personal fields holding a value, and reveals them back', () => {
    const stored = protect(keys, 'acme', contactCreated, data);
    expect(stored).to.include({ subjectId: 'subj-zoe', phone: null, accountId: 'acc-1' });
    for (const field of ['firstName', 'lastName', 'email']) expect(isCiphertext(stored[field]), field).to.equal(true);
    expect(JSON.stringify(stored)).not.to.contain('zoe@example.com').and.not.to.contain('Durand');
    expect(data.email).to.equal('zoe@example.com'); // the input is not changed
    expect(reveal(keys, 'acme', contactCreated, stored)).to.deep.equal({ data, erased: [] });
  });

  it('reads the descriptor it writes into metadata, and reveals through it', () => {
    const stored = protect(keys, 'acme', contactCreated, data);
    const personalData = personalDataDescriptor(contactCreated, stored)!;
    expect(personalData).to.deep.equal({ subjects: ['subj-zoe'], fields: ['firstName', 'lastName', 'email'] });
    const metadata = JSON.parse(JSON.stringify({ tenantId: 'acme', personalData })) as JsonObject;
    const expanded = { subjects: ['subj-zoe'], fields: ['firstName', 'lastName', 'email'].map((path) => ({ path, subject: 'subj-zoe' })) };
    expect(descriptorOf(metadata)).to.deep.equal(expanded);
    expect(descriptorOf({ personalData: expanded })).to.deep.equal(expanded); // the form stored before the compact one
    expect(reveal(keys, 'acme', descriptorOf(metadata)!, stored).data).to.deep.equal(data);
    expect(descriptorOf({ tenantId: 'acme' })).to.equal(undefined);
  });

  it('handles nested paths and several subjects in one event', () => {
    const specs = [
      { subjectField: 'fields.subjectId', fields: ['fields.email'] },
      { subjectField: 'other.subjectId', fields: ['other.name'] },
    ];
    const event = { fields: { subjectId: 'a', email: 'a@example.com' }, other: { subjectId: 'b', name: 'Bea' } };
    const stored = protect(keys, 'acme', specs, event);
    expect(subjectsOf(specs, stored)).to.deep.equal(['a', 'b']);
    const personalData = personalDataDescriptor(specs, stored)!; // several subjects: each field names its own
    expect(personalData.fields).to.deep.equal([{ path: 'fields.email', subject: 'a' }, { path: 'other.name', subject: 'b' }]);
    expect(descriptorOf({ personalData: JSON.parse(JSON.stringify(personalData)) as JsonObject })).to.deep.equal(personalData);
    expect(descriptorOf({ personalData: { subjects: ['a', 'b'], fields: ['fields.email'] } })!.fields).to.deep.equal([]); // a bare path is ambiguous there
    keys.erase('acme', 'b', erasure);
    const { data: shown, erased } = reveal(keys, 'acme', specs, stored);
    expect(shown).to.deep.equal({ fields: { subjectId: 'a', email: 'a@example.com' }, other: { subjectId: 'b', name: null } });
    expect(erased).to.deep.equal(['other.name']);
  });

  it('after erasure reads personal fields as null and lists them, keeping the other facts', () => {
    const stored = protect(keys, 'acme', contactCreated, data);
    keys.erase('acme', 'subj-zoe', erasure);
    const { data: shown, erased } = reveal(keys, 'acme', contactCreated, stored);
    expect(shown).to.deep.equal({ ...data, firstName: null, lastName: null, email: null });
    expect(erased).to.deep.equal(['firstName', 'lastName', 'email']);
  });

  it('refuses personal data for an erased subject with subject_erased, but not an event without any', () => {
    keys.erase('acme', 'subj-zoe', erasure);
    const error = thrown(() => protect(keys, 'acme', contactCreated, data));
    expect(error).to.include({ code: 'subject_erased', status: 409 });
    const noPersonal = { subjectId: 'subj-zoe', accountId: 'acc-2', email: null };
    expect(protect(keys, 'acme', contactCreated, noPersonal)).to.deep.equal(noPersonal);
  });

  it('mints no key for an event without personal values', () => {
    protect(keys, 'acme', contactCreated, { subjectId: 'subj-new', accountId: 'acc-1' });
    expect(keys.existingKey('acme', 'subj-new')).to.equal(undefined);
  });

  it('treats a ciphertext with no key at all as erased, and passes legacy plaintext through', () => {
    const other = openKeyStore(join(dir.path, 'other-keys.db'), newKey());
    const stored = protect(other, 'acme', contactCreated, data);
    other.close();
    const mixed = { ...stored, lastName: 'Durand' };
    expect(reveal(keys, 'acme', contactCreated, mixed)).to.deep.equal({
      data: { ...data, firstName: null, email: null },
      erased: ['firstName', 'email'],
    });
  });

  it('refuses personal values without a subject, and a reserved subject id', () => {
    expect(thrown(() => protect(keys, 'acme', contactCreated, { email: 'x@example.com' }))).to.be.instanceOf(MissingSubjectError);
    const reserved = { subjectId: '__lookup__', email: 'x@example.com' };
    expect(thrown(() => protect(keys, 'acme', contactCreated, reserved))).to.be.instanceOf(InvalidSubjectError);
  });

  it('throws a typed error for a tampered or moved ciphertext', () => {
    const stored = protect(keys, 'acme', contactCreated, data);
    const swapped = { ...stored, firstName: stored.lastName!, lastName: stored.firstName! };
    expect(thrown(() => reveal(keys, 'acme', contactCreated, swapped))).to.be.instanceOf(PersonalDataIntegrityError);
    const otherSubject = { ...stored, subjectId: 'subj-other' };
    keys.keyFor('acme', 'subj-other');
    expect(thrown(() => reveal(keys, 'acme', contactCreated, otherSubject))).to.be.instanceOf(PersonalDataIntegrityError);
  });
});
