import { expect } from 'chai';
import { contactDecider, type ContactState } from '../../../src/commands/sales/contact.js';
import { fold } from '../../../src/commands/decider.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(contactDecider);
const ada = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' };
const created = (subjectId: string, fields: Record<string, string> = ada) =>
  ({ type: 'ContactCreated', data: { subjectId, fields, ownerId: 'u1', tags: [] } });
const survivor = created('s-1');
const loserEvents = [created('s-2', { ...ada, phone: '+44 1', city: 'London' })];
const loser: ContactState = fold(contactDecider, loserEvents);
const absorb = (state: ContactState = loser) => ({ type: 'AbsorbContact' as const, from: 'c-2', loser: state });
const absorbed = { type: 'ContactAbsorbed', data: { from: 'c-2' } };
const merged = { type: 'ContactMerged', data: { into: 'c-1' } };
const archived = { type: 'ContactArchived', data: { reason: 'merged into c-1' } };

describe('Contact decider', () => {
  describe('AbsorbContact (the survivor)', () => {
    it('records the loser and fills the fields the survivor lacks, under the survivor\'s subject', () => {
      given(survivor).when(absorb()).then(absorbed, { type: 'ContactUpdated', data: { subjectId: 's-1', changes: { phone: '+44 1', city: 'London' } } });
    });
    it('adds the loser\'s tags the survivor lacks, in one ContactTagged: the survivor ends with the union', () => {
      const tagged = (subjectId: string, tags: string[]) => ({ ...created(subjectId), data: { ...created(subjectId).data, tags } });
      const source = fold(contactDecider, [tagged('s-2', ['b', 'c'])]);
      given(tagged('s-1', ['a', 'b'])).when(absorb(source)).then(absorbed, { type: 'ContactTagged', data: { added: ['c'], removed: [] } });
      given(tagged('s-1', ['a', 'b', 'c'])).when(absorb(source)).then(absorbed);
    });
    it('flags the survivor\'s link to the account whose accountId it fills primary, so `accounts` agrees with it', () => {
      const link = { accountId: 'a-1', roles: ['billing'] };
      const linked = { type: 'ContactLinkedToAccount', data: { ...link, primary: false, accounts: [{ ...link, primary: false }] } };
      const source = fold(contactDecider, [created('s-2', { ...ada, accountId: 'a-1' })]);
      given(survivor, linked).when(absorb(source)).then(absorbed, {
        type: 'ContactUpdated', data: { subjectId: 's-1', changes: { accountId: 'a-1', accounts: [{ ...link, primary: true }] } },
      });
    });
    it('changes nothing when that loser was absorbed already (a retried merge)', () => {
      given(survivor, absorbed).when(absorb()).then();
    });
    it('refuses a loser that does not exist (404), is archived or was merged (409)', () => {
      given(survivor).when(absorb({ status: 'none' })).thenFails('not_found');
      given(survivor).when(absorb(fold(contactDecider, [...loserEvents, { type: 'ContactArchived', data: { reason: null } }]))).thenFails('record_archived');
      given(survivor).when(absorb(fold(contactDecider, [...loserEvents, { type: 'ContactMerged', data: { into: 'c-9' } }]))).thenFails('contact_merged');
    });
    it('refuses a survivor that is archived or merged', () => {
      given(survivor, { type: 'ContactArchived', data: { reason: null } }).when(absorb()).thenFails('record_archived');
      given(survivor, merged).when(absorb()).thenFails('contact_merged');
    });
  });

  describe('MergeContact (the loser)', () => {
    it('points the loser at the survivor and archives it', () => {
      given(...loserEvents).when({ type: 'MergeContact', into: 'c-1' }).then(merged, archived);
    });
    it('changes nothing when merged into that survivor already; refuses another (409 contact_merged)', () => {
      given(...loserEvents, merged, archived).when({ type: 'MergeContact', into: 'c-1' }).then();
      given(...loserEvents, merged, archived).when({ type: 'MergeContact', into: 'c-3' }).thenFails('contact_merged');
    });
  });

  describe('generic commands', () => {
    it('are refused once merged: the loser is read-only (409 contact_merged), a restore included', () => {
      given(...loserEvents, merged, archived).when({ type: 'RestoreRecord' }).thenFails('contact_merged');
      given(...loserEvents, merged, archived).when({ type: 'UpdateRecord', changes: { city: 'Paris' } }).thenFails('contact_merged');
    });
    it('work as the catalogue\'s otherwise', () => {
      given(survivor).when({ type: 'UpdateRecord', changes: { city: 'Paris' } })
        .then({ type: 'ContactUpdated', data: { subjectId: 's-1', changes: { city: 'Paris' } } });
    });
  });

  it('folds a merged loser to status merged, still archived, with mergedInto among its fields', () => {
    const state = fold(contactDecider, [...loserEvents, merged, archived]);
    expect(state).to.include({ status: 'merged', into: 'c-1', archived: true });
    expect(state.status !== 'none' && state.fields.mergedInto).to.equal('c-1');
  });
});
