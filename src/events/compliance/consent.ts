/**
 * Consent and restriction of processing (GDPR art. 7, 18, 21) per data subject, as the stream
 * `<tenant>/compliance.consent/<subjectId>`. The events carry the subject id, a purpose from a
 * fixed list, a source token and a time: no personal data.
 */
import { unreachable, type DomainEvent } from '../../commands/decider.js';
import type { StreamFold } from './stream-state.js';

export const CONSENT_AGGREGATE = 'compliance.consent';

/** What a subject may consent to; marketing sends ask `mayProcess` for one of these. */
export const CONSENT_PURPOSES = ['email_marketing', 'sms_marketing', 'calls', 'profiling', 'third_party_sharing'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

/** The grounds of art. 18(1) a restriction rests on. */
export const RESTRICTION_GROUNDS = ['accuracy_contested', 'unlawful_processing', 'legal_claims', 'objection_pending'] as const;
export type RestrictionGround = (typeof RESTRICTION_GROUNDS)[number];

type ConsentData = { subjectId: string; purpose: ConsentPurpose; source: string; at: string };

export type ConsentEvent =
  | DomainEvent<'ConsentGranted', ConsentData>
  | DomainEvent<'ConsentWithdrawn', ConsentData>
  | DomainEvent<'ProcessingRestricted', { subjectId: string; ground: RestrictionGround; at: string }>
  | DomainEvent<'ProcessingRestrictionLifted', { subjectId: string; at: string }>;

export type ConsentRecord = { status: 'granted' | 'withdrawn'; source: string; at: string };
export type Consents = Partial<Record<ConsentPurpose, ConsentRecord>>;

export type ConsentState =
  | { status: 'unrestricted'; consents: Consents }
  | { status: 'restricted'; consents: Consents; ground: RestrictionGround; since: string };

export const initialConsentState = (): ConsentState => ({ status: 'unrestricted', consents: {} });

const withConsent = (state: ConsentState, data: ConsentData, status: ConsentRecord['status']): ConsentState => ({
  ...state, consents: { ...state.consents, [data.purpose]: { status, source: data.source, at: data.at } },
});

export const evolveConsent = (state: ConsentState, event: ConsentEvent): ConsentState => {
  switch (event.type) {
    case 'ConsentGranted':
      return withConsent(state, event.data, 'granted');
    case 'ConsentWithdrawn':
      return withConsent(state, event.data, 'withdrawn');
    case 'ProcessingRestricted':
      return { status: 'restricted', consents: state.consents, ground: event.data.ground, since: event.data.at };
    case 'ProcessingRestrictionLifted':
      return { status: 'unrestricted', consents: state.consents };
    default:
      return unreachable(event);
  }
};

export const consentFold: StreamFold<ConsentEvent, ConsentState> = { type: CONSENT_AGGREGATE, initialState: initialConsentState, evolve: evolveConsent };
