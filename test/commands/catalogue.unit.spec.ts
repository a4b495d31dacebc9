import { expect } from 'chai';
import { catalogueDecider, createCommand, recordValidators } from '../../src/commands/catalogue.js';
import { fold, type DomainEvent } from '../../src/commands/decider.js';
import { InvalidInputError } from '../../src/errors.js';
import type { RecordKind } from '../../src/events/catalogue.js';
import type { JsonObject } from '../../src/events/log/port.js';
import type { LinkedUser } from '../../src/commands/record-links.js';
import { specFor } from '../support/decider.js';

const partner: RecordKind = {
  type: 'marketing.partner',
  eventPrefix: 'Partner',
  fields: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    tier: { enum: ['silver', 'gold', 'platinum'] },
    website: { type: 'string', format: 'uri', maxLength: 2000 },
    commissionBps: { type: 'integer', minimum: 0, maximum: 10000 },
    address: {
      type: 'object', additionalProperties: false,
      properties: {
        city: { type: 'string' }, country: { type: 'string', pattern: '^[A-Z]{2}$' },
        geo: { type: 'object', additionalProperties: false, required: ['lat', 'lng'], properties: { lat: { type: 'number' }, lng: { type: 'number' } } },
      },
    },
    manager: { type: 'object', additionalProperties: false, required: ['email'], properties: { email: { type: 'string' }, phone: { type: 'string' } } },
    regions: { type: 'array', items: { type: 'string' } },
  },
  required: ['name', 'tier'],
  personal: [],
  classification: {
    name: 'public', tier: 'internal', website: 'public', commissionBps: 'confidential', address: 'internal', manager: 'internal', regions: 'internal',
  },
  filterable: ['tier'],
  sortable: ['name'],
};

const decider = catalogueDecider(partner);
const { given } = specFor(decider);
const created = { type: 'PartnerCreated', data: { fields: { name: 'Acme', tier: 'gold' }, ownerId: 'u1', tags: ['eu'] } };
const archived = { type: 'PartnerArchived', data: { reason: 'merged' } };

const refused = (attempt: () => unknown): InvalidInputError => {
  try {
    attempt();
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected a validation error');
};

describe('catalogue records: the generic decider', () => {
  it('creates a record with its fields, owner and tags', () => {
    given().when({ type: 'CreateRecord', fields: { name: 'Acme', tier: 'gold' }, ownerId: 'u1', tags: ['eu', 'eu'] }).then(created);
  });

  it('refuses to create the same record twice (409 already_exists)', () => {
    given(created).when({ type: 'CreateRecord', fields: { name: 'X', tier: 'gold' }, ownerId: 'u1', tags: [] }).thenFails('already_exists');
  });

  it('refuses any other command on a record that does not exist (404)', () => {
    given().when({ type: 'UpdateRecord', changes: { name: 'B' } }).thenFails('not_found');
  });

  it('records only the fields that change', () => {
    given(created).when({ type: 'UpdateRecord', changes: { name: 'Acme', tier: 'platinum' } })
      .then({ type: 'PartnerUpdated', data: { changes: { tier: 'platinum' } } });
    given(created).when({ type: 'UpdateRecord', changes: { name: 'Acme' } }).then();
  });

  it('refuses changes to an archived record until it is restored', () => {
    given(created, archived).when({ type: 'UpdateRecord', changes: { name: 'B' } }).thenFails('record_archived');
    given(created, archived).when({ type: 'RestoreRecord' }).then({ type: 'PartnerRestored', data: {} });
  });

  it('archiving twice or restoring an active record decides nothing', () => {
    given(created, archived).when({ type: 'ArchiveRecord', reason: null }).then();
    given(created).when({ type: 'RestoreRecord' }).then();
  });

  it('assigns an owner only when it changes', () => {
    given(created).when({ type: 'AssignOwner', ownerId: 'u2' }).then({ type: 'PartnerOwnerAssigned', data: { ownerId: 'u2' } });
    given(created).when({ type: 'AssignOwner', ownerId: 'u1' }).then();
  });

  it('refuses an owner the caller gave whom the log does not hold as a user who may own records (422), and keeps the owner a command leaves', () => {
    const fields = { name: 'Acme', tier: 'gold' };
    const create = (ownerFinding: LinkedUser) => ({ type: 'CreateRecord' as const, fields, ownerId: 'u2', tags: [], ownerFinding });
    given().when(create({ found: false })).thenFails('owner_not_found');
    for (const status of ['deactivated', 'erased'] as const) {
      given().when(create({ found: true, status })).thenFails('owner_not_active');
      given(created).when({ type: 'AssignOwner', ownerId: 'u2', ownerFinding: { found: true, status } }).thenFails('owner_not_active');
      given(created).when({ type: 'AssignOwner', ownerId: 'u1', ownerFinding: { found: true, status } }).then();
    }
    given().when(create({ found: true, status: 'invited' })).then({ type: 'PartnerCreated', data: { fields, ownerId: 'u2', tags: [] } });
    given(created).when({ type: 'AssignOwner', ownerId: 'u2', ownerFinding: { found: false } }).thenFails('owner_not_found');
  });

  it('tags with the effective difference only', () => {
    given(created).when({ type: 'TagRecord', add: ['eu', 'retail'], remove: ['eu', 'absent'] })
      .then({ type: 'PartnerTagged', data: { added: ['retail'], removed: [] } });
    given(created).when({ type: 'TagRecord', add: [], remove: ['eu'] })
      .then({ type: 'PartnerTagged', data: { added: [], removed: ['eu'] } });
  });

  it('folds to the merged state; a null change clears an optional field', () => {
    const state = fold(decider, [
      { type: 'PartnerCreated', data: { fields: { name: 'Acme', tier: 'gold', commissionBps: 500 }, ownerId: 'u1', tags: [] } },
      { type: 'PartnerUpdated', data: { changes: { commissionBps: null, tier: 'silver' } } },
      { type: 'PartnerTagged', data: { added: ['b', 'a'], removed: [] } },
    ]);
    expect(state).to.deep.equal({ status: 'active', subjectId: null, fields: { name: 'Acme', tier: 'silver' }, ownerId: 'u1', tags: ['a', 'b'] });
  });
});

describe('catalogue records: a patch merges (RFC 7386)', () => {
  const paris = { city: 'Paris', country: 'FR', geo: { lat: 48.86, lng: 2.35 } };
  const located = {
    type: 'PartnerCreated',
    data: { fields: { name: 'Acme', tier: 'gold', address: paris, manager: { email: 'm@acme.example' }, regions: ['eu', 'us'] }, ownerId: 'u1', tags: [] },
  };
  const update = (changes: JsonObject) => ({ type: 'UpdateRecord' as const, changes });
  const updated = (changes: JsonObject) => ({ type: 'PartnerUpdated', data: { changes } });

  it('merges an object into the field\'s object at any depth; the event carries the field whole', () => {
    given(located).when(update({ address: { city: 'Lyon' } })).then(updated({ address: { ...paris, city: 'Lyon' } }));
    given(located).when(update({ address: { geo: { lat: 45.76 } } })).then(updated({ address: { ...paris, geo: { lat: 45.76, lng: 2.35 } } }));
    given(located).when(update({ manager: { phone: '+33 1' } })).then(updated({ manager: { email: 'm@acme.example', phone: '+33 1' } }));
  });

  it('removes a member given as null, at any depth; a top-level null still clears the field', () => {
    given(located).when(update({ address: { city: null, geo: null } })).then(updated({ address: { country: 'FR' } }));
    given(located).when(update({ address: null })).then(updated({ address: null }));
  });

  it('records nothing when the merged value is the one held', () => {
    given(located).when(update({ address: { city: 'Paris' }, manager: { phone: null } })).then();
  });

  it('merges into an absent field as into an empty object', () => {
    given(created).when(update({ address: { city: 'Lyon', country: null } })).then(updated({ address: { city: 'Lyon' } }));
  });

  it('replaces arrays and scalars whole', () => {
    given(located).when(update({ regions: ['apac'], tier: 'silver' })).then(updated({ regions: ['apac'], tier: 'silver' }));
  });

  it('refuses a merged value that is not valid (400 validation_failed pointing into the field), a required member removed or missing', () => {
    for (const [history, changes, pointer] of [
      [[located], { manager: { email: null } }, '/manager/email'],
      [[located], { address: { geo: { lng: null } } }, '/address/geo/lng'],
      [[created], { manager: { phone: '+33 1' } }, '/manager/email'],
      [[created], { address: { geo: { lat: 1 } } }, '/address/geo/lng'],
    ] as Array<[DomainEvent[], JsonObject, string]>) {
      const error = refused(() => decider.decide(update(changes), fold(decider, history)));
      expect([error.code, error.errors.map((e) => e.pointer)], JSON.stringify(changes)).to.deep.equal(['validation_failed', [pointer]]);
    }
  });
});

describe('catalogue records: validation', () => {
  const validate = recordValidators(partner);

  it('accepts a valid create body and splits owner and tags from the fields', () => {
    const body = validate.create({ name: 'Acme', tier: 'gold', tags: ['eu'] });
    expect(createCommand(body, 'actor')).to.deep.equal({ type: 'CreateRecord', fields: { name: 'Acme', tier: 'gold' }, ownerId: 'actor', tags: ['eu'] });
  });

  it('refuses unknown fields (no mass assignment), missing and malformed ones, with JSON pointers', () => {
    const error = refused(() => validate.create({ tier: 'bronze', isAdmin: true, website: 'not a uri' }));
    expect(error.code).to.equal('validation_failed');
    expect(error.errors.map((e) => e.pointer)).to.include.members(['/name', '/isAdmin', '/tier', '/website']);
  });

  it('lets a patch clear an optional field but not a required one, and refuses an empty patch', () => {
    expect(validate.patch({ commissionBps: null })).to.deep.equal({ commissionBps: null });
    expect(refused(() => validate.patch({ name: null })).errors[0]!.pointer).to.equal('/name');
    expect(refused(() => validate.patch({})).code).to.equal('validation_failed');
  });

  it('takes some members of an object field, optional ones as null (removed), but not a required member as null nor an unknown one', () => {
    const patch = { address: { city: null, geo: { lat: 1 } }, manager: { phone: null } };
    expect(validate.patch(patch)).to.deep.equal(patch);
    const error = refused(() => validate.patch({ manager: { email: null }, address: { geo: { lng: null }, street: 'x' } }));
    expect(error.errors.map((e) => e.pointer)).to.include.members(['/manager/email', '/address/geo/lng', '/address/street']);
  });
});
