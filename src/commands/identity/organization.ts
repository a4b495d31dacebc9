/** Organizations (tenants): create, suspend (its users are refused), reactivate (unless its offboarding started). */
import { ConflictError, RuleViolationError } from '../../errors.js';
import { hasText } from '../../events/catalogue.js';
import type { OffboardingState } from '../../events/compliance/offboarding.js';
import {
  ORGANIZATION_AGGREGATE,
  evolveOrganization,
  initialOrganizationState,
  type OrganizationEvent,
  type OrganizationState,
} from '../../events/identity/organization.js';
import { unreachable, type Decider } from '../decider.js';
import { existing } from './existing.js';
import type { Aggregate } from '../handle.js';

export type OrganizationCommand =
  | { type: 'CreateOrganization'; organizationId: string; name: string; slug: string; at: string }
  | { type: 'SuspendOrganization'; reason: string; at: string }
  /** `offboarding`: where the organization's offboarding stands, from the log's offboarding stream. */
  | { type: 'ReactivateOrganization'; offboarding: OffboardingState['status']; at: string };

/** Once its offboarding started, an organization stays closed: a retry of an interrupted one finishes it. */
const refuseOffboarded = (offboarding: OffboardingState['status']): void => {
  if (offboarding === 'offboarding') throw new ConflictError('organization_offboarding', 'This organization is being offboarded (an interrupted offboarding is finished by offboarding it again): it cannot be reactivated');
  if (offboarding === 'offboarded') throw new ConflictError('organization_offboarded', 'This organization was offboarded (its data is erased): it cannot be reactivated');
};

const decide = (command: OrganizationCommand, state: OrganizationState): OrganizationEvent[] => {
  switch (command.type) {
    case 'CreateOrganization': {
      if (state.status !== 'none') throw new ConflictError('slug_taken', 'An organization with this slug exists', { slug: command.slug });
      const { organizationId, name, slug, at } = command;
      return [{ type: 'OrganizationCreated', data: { organizationId, name, slug, createdAt: at } }];
    }
    case 'SuspendOrganization':
      if (!hasText(command.reason)) throw new RuleViolationError('reason_required', 'Suspending an organization needs a reason');
      return existing(state, 'organization').status === 'suspended' ? [] : [{ type: 'OrganizationSuspended', data: { reason: command.reason, suspendedAt: command.at } }];
    case 'ReactivateOrganization':
      if (existing(state, 'organization').status === 'active') return [];
      refuseOffboarded(command.offboarding);
      return [{ type: 'OrganizationReactivated', data: { reactivatedAt: command.at } }];
    default:
      return unreachable(command);
  }
};

export const organizationDecider: Decider<OrganizationCommand, OrganizationEvent, OrganizationState> = {
  initialState: initialOrganizationState,
  evolve: evolveOrganization,
  decide,
};

export const organizationAggregate: Aggregate<OrganizationCommand, OrganizationEvent, OrganizationState> = {
  type: ORGANIZATION_AGGREGATE,
  decider: organizationDecider,
};
