import { organizationDecider } from '../../../src/commands/identity/organization.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(organizationDecider);
const at = '2026-11-23T10:00:00.000Z';
const create = { type: 'CreateOrganization' as const, organizationId: 'acme', name: 'Acme', slug: 'acme', at };
const created = { type: 'OrganizationCreated' as const, data: { organizationId: 'acme', name: 'Acme', slug: 'acme', createdAt: at } };
const suspended = { type: 'OrganizationSuspended' as const, data: { reason: 'unpaid', suspendedAt: at } };

describe('the organization decider', () => {
  it('CreateOrganization records OrganizationCreated', () => given().when(create).then(created));

  it('refuses a second organization with the same slug (409 slug_taken)', () => given(created).when(create).thenFails('slug_taken'));

  it('SuspendOrganization records OrganizationSuspended once', () => {
    given(created).when({ type: 'SuspendOrganization', reason: 'unpaid', at }).then(suspended);
    given(created, suspended).when({ type: 'SuspendOrganization', reason: 'again', at }).then();
  });

  it('refuses a suspension reason of whitespace only (422 reason_required)', () => given(created).when({ type: 'SuspendOrganization', reason: '   ', at }).thenFails('reason_required'));

  it('ReactivateOrganization records OrganizationReactivated only when suspended', () => {
    given(created, suspended).when({ type: 'ReactivateOrganization', offboarding: 'active', at }).then({ type: 'OrganizationReactivated', data: { reactivatedAt: at } });
    given(created).when({ type: 'ReactivateOrganization', offboarding: 'active', at }).then();
  });

  it('refuses to reactivate an offboarded organization (409 organization_offboarded)', () => {
    given(created, suspended).when({ type: 'ReactivateOrganization', offboarding: 'offboarded', at }).thenFails('organization_offboarded');
  });

  it('refuses to reactivate an organization whose offboarding started and is not finished (409 organization_offboarding)', () => {
    given(created, suspended).when({ type: 'ReactivateOrganization', offboarding: 'offboarding', at }).thenFails('organization_offboarding');
  });

  it('refuses to suspend an organization that does not exist (404)', () => {
    given().when({ type: 'SuspendOrganization', reason: 'x', at }).thenFails('not_found');
  });
});
