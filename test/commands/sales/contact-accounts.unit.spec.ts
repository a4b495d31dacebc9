import { contactDecider } from '../../../src/commands/sales/contact.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(contactDecider);
const ada = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' };
const created = (fields: Record<string, string> = ada) => ({ type: 'ContactCreated', data: { subjectId: 's-1', fields, ownerId: 'u1', tags: [] } });
const knownRoles = ['decision_maker', 'billing', 'technical'];
const link = (accountId: string, roles: string[], primary = false, accountFound = true) =>
  ({ type: 'LinkContactToAccount' as const, accountId, roles, primary, accountFound, knownRoles });
type Link = { accountId: string; roles: string[]; primary: boolean };
const linked = (accountId: string, roles: string[], accounts: Link[], primary = false) =>
  ({ type: 'ContactLinkedToAccount', data: { accountId, roles, primary, accounts } });
const a1 = linked('a-1', ['billing'], [{ accountId: 'a-1', roles: ['billing'], primary: false }]);

describe('POST /sales/contacts/:id/accounts (LinkContactToAccount)', () => {
  it('links an account with roles, the whole list in the event', () => {
    given(created()).when(link('a-1', ['billing'])).then(a1);
  });
  it('makes the link primary (the contact\'s accountId) when asked', () => {
    given(created(), a1).when(link('a-2', [], true)).then(linked('a-2', [], [
      { accountId: 'a-1', roles: ['billing'], primary: false }, { accountId: 'a-2', roles: [], primary: true },
    ], true));
  });
  it('flags the account the contact was created with as primary when it is linked', () => {
    given(created({ ...ada, accountId: 'a-1' })).when(link('a-1', ['technical'])).then(
      linked('a-1', ['technical'], [{ accountId: 'a-1', roles: ['technical'], primary: true }]),
    );
  });
  it('relinks with other roles as ContactAccountRolesChanged, the link\'s whole role list', () => {
    given(created(), a1).when(link('a-1', ['billing', 'technical'])).then({
      type: 'ContactAccountRolesChanged',
      data: { accountId: 'a-1', roles: ['billing', 'technical'], primary: false, accounts: [{ accountId: 'a-1', roles: ['billing', 'technical'], primary: false }] },
    });
  });
  it('appends nothing for the same link again (roles in any order)', () => {
    const two = linked('a-1', ['billing', 'technical'], [{ accountId: 'a-1', roles: ['billing', 'technical'], primary: false }]);
    given(created(), two).when(link('a-1', ['technical', 'billing'])).then();
  });
  it('refuses an account that is not in the tenant (422 account_not_found)', () => {
    given(created()).when(link('a-9', ['billing'], false, false)).thenFails('account_not_found');
  });
  it('refuses a role the configuration does not have (422 unknown_role)', () => {
    given(created()).when(link('a-1', ['billing', 'janitor'])).thenFails('unknown_role');
  });
  it('refuses an archived (409), merged (409) or missing (404) contact', () => {
    given(created(), { type: 'ContactArchived', data: { reason: null } }).when(link('a-1', [])).thenFails('record_archived');
    given(created(), { type: 'ContactMerged', data: { into: 'c-2' } }).when(link('a-1', [])).thenFails('contact_merged');
    given().when(link('a-1', [])).thenFails('not_found');
  });
});

describe('PATCH /sales/contacts/:id { accountId } (UpdateRecord)', () => {
  it('moves the primary flag of the links with the primary account', () => {
    const two = linked('a-2', [], [{ accountId: 'a-1', roles: ['billing'], primary: true }, { accountId: 'a-2', roles: [], primary: false }]);
    given(created({ ...ada, accountId: 'a-1' }), two).when({ type: 'UpdateRecord', changes: { accountId: 'a-2' } }).then({
      type: 'ContactUpdated',
      data: { subjectId: 's-1', changes: { accountId: 'a-2', accounts: [{ accountId: 'a-1', roles: ['billing'], primary: false }, { accountId: 'a-2', roles: [], primary: true }] } },
    });
  });
  it('leaves the event as it is for a contact without links, or a change of another field', () => {
    given(created()).when({ type: 'UpdateRecord', changes: { accountId: 'a-2' } }).then({ type: 'ContactUpdated', data: { subjectId: 's-1', changes: { accountId: 'a-2' } } });
    given(created(), a1).when({ type: 'UpdateRecord', changes: { jobTitle: 'CTO' } }).then({ type: 'ContactUpdated', data: { subjectId: 's-1', changes: { jobTitle: 'CTO' } } });
  });
});

describe('DELETE /sales/contacts/:id/accounts/:accountId (UnlinkContactFromAccount)', () => {
  it('unlinks the account', () => {
    given(created(), a1).when({ type: 'UnlinkContactFromAccount', accountId: 'a-1' })
      .then({ type: 'ContactUnlinkedFromAccount', data: { accountId: 'a-1', primaryCleared: false, accounts: [] } });
  });
  it('clears the primary account when it is the one unlinked', () => {
    given(created({ ...ada, accountId: 'a-1' })).when({ type: 'UnlinkContactFromAccount', accountId: 'a-1' })
      .then({ type: 'ContactUnlinkedFromAccount', data: { accountId: 'a-1', primaryCleared: true, accounts: [] } });
  });
  it('appends nothing for an account not linked', () => {
    given(created(), a1).when({ type: 'UnlinkContactFromAccount', accountId: 'a-2' }).then();
  });
  it('refuses an archived contact (409)', () => {
    given(created(), a1, { type: 'ContactArchived', data: { reason: null } }).when({ type: 'UnlinkContactFromAccount', accountId: 'a-1' }).thenFails('record_archived');
  });
});

describe('POST /sales/contacts/:id/merge (the survivor gains the loser\'s links)', () => {
  it('unites the roles of an account both are linked to and adds the others', () => {
    const loser = contactDecider.evolve(contactDecider.evolve(contactDecider.initialState(), created({ ...ada, email: 'ada2@example.org' })),
      linked('a-1', ['technical'], [{ accountId: 'a-1', roles: ['technical'], primary: false }, { accountId: 'a-2', roles: [], primary: false }]));
    given(created(), a1).when({ type: 'AbsorbContact', from: 'c-2', loser }).then(
      { type: 'ContactAbsorbed', data: { from: 'c-2' } },
      { type: 'ContactAccountRolesChanged', data: { accountId: 'a-1', roles: ['billing', 'technical'], primary: false, accounts: [{ accountId: 'a-1', roles: ['billing', 'technical'], primary: false }] } },
      linked('a-2', [], [{ accountId: 'a-1', roles: ['billing', 'technical'], primary: false }, { accountId: 'a-2', roles: [], primary: false }]),
    );
  });
});
