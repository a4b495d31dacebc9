import { expect } from 'chai';
import { personalDataOf, type RecordKind } from '../../src/events/catalogue.js';
import { assertClassified, classificationOf, ClassificationError, declaredClassificationOf, type DeclaredClassification } from '../../src/events/classification.js';
import { USER_CLASSIFICATION } from '../../src/events/identity/user.js';
import { contactKind } from '../../src/events/sales/contact.js';
import { caught } from '../support/caught.js';

const kind = (overrides: Partial<RecordKind>): RecordKind => ({
  type: 'test.person', eventPrefix: 'Person', fields: { name: { type: 'string' }, health: { type: 'string' }, city: { type: 'string' } },
  required: [], personal: ['name', 'health'], subject: 'self', filterable: [], sortable: [],
  classification: { name: 'personal', health: 'sensitive', city: 'internal' },
  ...overrides,
});

const problemsOf = async (k: RecordKind): Promise<string[]> => {
  const error = await caught(Promise.resolve().then(() => assertClassified(k)));
  expect(error).to.be.instanceOf(ClassificationError);
  return (error as ClassificationError).extra.problems as string[];
};

describe('data classification of record kinds', () => {
  it('accepts the kinds the API serves: every field classed, personal and sensitive exactly the encrypted ones', () => {
    expect(() => assertClassified(contactKind)).not.to.throw();
    expect(() => assertClassified(kind({}))).not.to.throw();
  });

  it('refuses a field without a class, a class for an unknown field, and an unknown class', async () => {
    expect(await problemsOf(kind({ classification: { name: 'personal', health: 'sensitive', zip: 'public' } }))).to.deep.equal([
      'field city has no class', 'class given for unknown field zip',
    ]);
    expect(await problemsOf(kind({ classification: { name: 'personal', health: 'sensitive', city: 'secret' as never } }))).to.deep.equal([
      'field city: unknown class',
    ]);
  });

  it('refuses personal or sensitive fields left unencrypted, and encrypted fields classed otherwise', async () => {
    expect(await problemsOf(kind({ personal: ['name'] }))).to.deep.equal(['field health is sensitive but not encrypted']);
    expect(await problemsOf(kind({ personal: ['name', 'health', 'city'] }))).to.deep.equal([
      'field city is encrypted but not personal or sensitive',
    ]);
  });

  it('refuses a field stored in plaintext before that is not encrypted now', async () => {
    expect(await problemsOf(kind({ legacyPlaintext: ['city'] }))).to.deep.equal(['field city is legacy plaintext but not encrypted']);
    expect(() => assertClassified(kind({ legacyPlaintext: ['health'] }))).not.to.throw();
  });

  it('refuses an own event whose personal value goes to a field that is not encrypted', async () => {
    expect(await problemsOf(kind({ personalEffects: { Moved: { to: 'city' } } }))).to.deep.equal(['Moved\'s personal value goes to city, which is not encrypted']);
    expect(() => assertClassified(kind({ personalEffects: { Diagnosed: { finding: 'health' } } }))).not.to.throw();
  });

  it('is checked when the kind\'s encryption specs are derived, so a misdeclared kind cannot start', () => {
    expect(() => personalDataOf(kind({ personal: ['name'] }))).to.throw(ClassificationError);
  });

  it('lists the common record fields, then the kind\'s own, each with its class and whether it is encrypted', () => {
    const listed = classificationOf(contactKind);
    expect(listed.recordType).to.equal('sales.contact');
    expect(listed.fields.map((f) => f.field)).to.include.members(['id', 'subjectId', 'ownerId', ...Object.keys(contactKind.fields)]);
    expect(listed.fields.filter((f) => f.encrypted).map((f) => f.field)).to.have.members(contactKind.personal);
    expect(classificationOf(kind({ subject: undefined })).fields.map((f) => f.field)).not.to.include('subjectId');
  });
});

describe('data classification of record types outside the catalogue (declaredClassificationOf)', () => {
  const declared = (overrides: Partial<DeclaredClassification>): DeclaredClassification => ({
    recordType: 'test.account', classes: { id: 'internal', email: 'personal', secretHash: 'confidential' }, encrypted: ['email'], ...overrides,
  });
  const problemsOfDeclared = (d: DeclaredClassification): string[] => {
    try {
      declaredClassificationOf(d);
    } catch (error) {
      expect(error).to.be.instanceOf(ClassificationError);
      return (error as ClassificationError).extra.problems as string[];
    }
    return [];
  };

  it('lists each field with its class and whether it is encrypted', () => {
    expect(declaredClassificationOf(declared({}))).to.deep.equal({
      recordType: 'test.account',
      fields: [
        { field: 'id', class: 'internal', encrypted: false },
        { field: 'email', class: 'personal', encrypted: true },
        { field: 'secretHash', class: 'confidential', encrypted: false },
      ],
    });
  });

  it('refuses a personal field its events do not encrypt, an encrypted field without a class or classed otherwise', () => {
    expect(problemsOfDeclared(declared({ encrypted: [] }))).to.deep.equal(['field email is personal but not encrypted']);
    expect(problemsOfDeclared(declared({ encrypted: ['email', 'phone'] }))).to.deep.equal([
      'field phone has no class', 'field phone is encrypted but not personal or sensitive',
    ]);
    expect(problemsOfDeclared(declared({ encrypted: ['email', 'secretHash'] }))).to.deep.equal(['field secretHash is encrypted but not personal or sensitive']);
  });

  it('classes a user\'s email, name and deactivation reason personal: exactly the fields the user\'s events encrypt', () => {
    const { fields } = declaredClassificationOf(USER_CLASSIFICATION);
    expect(fields.filter((f) => f.encrypted).map((f) => f.field)).to.have.members(['email', 'name', 'reason']);
    expect(USER_CLASSIFICATION.encrypted).to.have.members(['email', 'name', 'reason']);
  });
});
