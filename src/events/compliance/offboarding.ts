/**
 * The offboarding of an organization: every data subject of its tenant erased, recorded in the
 * platform's stream `platform/compliance.offboarding/<tenantId>` with counts only. Its start is
 * recorded before anything is erased, so the organization is closed from then on (not only once
 * the erasure is done).
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

/** Ids and a time only: no personal data, and not the reason (free text), which the certificate keeps. */
export type OffboardingStart = { organizationId: string; startedAt: string };

export type OffboardingEvent =
  | DomainEvent<'OrganizationOffboardingStarted', OffboardingStart>
  | DomainEvent<'OrganizationOffboarded', OffboardingCertificate>;

/** `offboarding`: started, its erasure not finished yet (running, or interrupted until it is retried). */
export type OffboardingState =
  | { status: 'active' }
  | { status: 'offboarding' }
  | { status: 'offboarded'; certificate: OffboardingCertificate };

export const initialOffboardingState = (): OffboardingState => ({ status: 'active' });

export const evolveOffboarding = (state: OffboardingState, event: OffboardingEvent): OffboardingState => {
  switch (event.type) {
    case 'OrganizationOffboardingStarted':
      return state.status === 'active' ? { status: 'offboarding' } : state;
    case 'OrganizationOffboarded':
      return state.status === 'offboarded' ? state : { status: 'offboarded', certificate: event.data };
    default:
      return unreachable(event);
  }
};

export const offboardingFold: StreamFold<OffboardingEvent, OffboardingState> = {
  type: OFFBOARDING_AGGREGATE, initialState: initialOffboardingState, evolve: evolveOffboarding,
};
