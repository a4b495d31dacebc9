/**
 * The offboarding of an organization: every data subject of its tenant erased, recorded in the
 * platform's stream `platform/compliance.offboarding/<tenantId>` with counts only.
 */
import { unreachable, type DomainEvent } from '../../commands/decider.js';
import type { StreamFold } from './stream-state.js';

export const OFFBOARDING_AGGREGATE = 'compliance.offboarding';

export type OffboardingCertificate = {
  organizationId: string;
  reason: string;
  offboardedBy: string;
  offboardedAt: string;
  subjects: number;
  subjectsErased: number;
  subjectsAlreadyErased: number;
};

export type OffboardingEvent = DomainEvent<'OrganizationOffboarded', OffboardingCertificate>;

export type OffboardingState = { status: 'active' } | { status: 'offboarded'; certificate: OffboardingCertificate };

export const initialOffboardingState = (): OffboardingState => ({ status: 'active' });

export const evolveOffboarding = (state: OffboardingState, event: OffboardingEvent): OffboardingState => {
  switch (event.type) {
    case 'OrganizationOffboarded':
      return state.status === 'offboarded' ? state : { status: 'offboarded', certificate: event.data };
    default:
      return unreachable(event.type);
  }
};

export const offboardingFold: StreamFold<OffboardingEvent, OffboardingState> = {
  type: OFFBOARDING_AGGREGATE, initialState: initialOffboardingState, evolve: evolveOffboarding,
};
