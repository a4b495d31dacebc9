/**
 * An organization (a tenant), as a stream of the platform tenant `platform/admin.organization/<id>`;
 * its id is its slug, which is also the tenant id its records live under.
 */
import { unreachable } from '../../commands/decider.js';
import type { DeclaredClassification } from '../classification.js';

export const ORGANIZATION_AGGREGATE = 'admin.organization';
/** The tenant of the platform itself: organizations and the platform super admins live there. */
export const PLATFORM_TENANT = 'platform';

export type OrganizationEvent =
  | { type: 'OrganizationCreated'; data: { organizationId: string; name: string; slug: string; createdAt: string } }
  | { type: 'OrganizationSuspended'; data: { reason: string; suspendedAt: string } }
  | { type: 'OrganizationReactivated'; data: { reactivatedAt: string } };

type Profile = { organizationId: string; name: string; slug: string };

export type OrganizationState =
  | { status: 'none' }
  | ({ status: 'active' } & Profile)
  | ({ status: 'suspended' } & Profile);

export const initialOrganizationState = (): OrganizationState => ({ status: 'none' });

export const evolveOrganization = (state: OrganizationState, event: OrganizationEvent): OrganizationState => {
  switch (event.type) {
    case 'OrganizationCreated': {
      const { organizationId, name, slug } = event.data;
      return { status: 'active', organizationId, name, slug };
    }
    case 'OrganizationSuspended':
      return state.status === 'none' ? state : { ...state, status: 'suspended' };
    case 'OrganizationReactivated':
      return state.status === 'none' ? state : { ...state, status: 'active' };
    default:
      return unreachable(event);
  }
};

/** An organization's fields as the platform reads them (its modules from its licence); none is about a person. */
export const ORGANIZATION_CLASSIFICATION: DeclaredClassification = {
  recordType: ORGANIZATION_AGGREGATE,
  classes: { id: 'internal', slug: 'internal', name: 'internal', status: 'internal', createdAt: 'internal', modules: 'internal' },
  encrypted: [],
};
