/**
 * Consent and restriction as other modules ask about them. `mayProcess` is what every feature that
 * processes a person for a purpose (marketing sends, calls, profiling) must call first: it reads
 * the subject's consent stream from the log, so a withdrawal counts from the moment it is recorded.
 */
import { consentFold, type ConsentPurpose, type ConsentState } from '../../events/compliance/consent.js';
import { streamState } from '../../events/compliance/stream-state.js';
import type { ReadDeps } from '../records.js';

export type ProcessingRefusal = 'erased' | 'restricted' | 'no_consent' | 'consent_withdrawn';
export type ProcessingDecision = { allowed: boolean; refusals: ProcessingRefusal[] };

/** The subject's consents and restriction, folded from their stream. */
export const consentStateOf = (deps: Pick<ReadDeps, 'store'>, tenantId: string, subjectId: string): Promise<ConsentState> =>
  streamState(deps.store, tenantId, subjectId, consentFold);

const refusalsOf = (state: ConsentState, erased: boolean, purpose: ConsentPurpose): ProcessingRefusal[] => {
  const consent = state.consents[purpose]?.status;
  return [
    ...(erased ? ['erased' as const] : []),
    ...(state.status === 'restricted' ? ['restricted' as const] : []),
    ...(consent === undefined ? ['no_consent' as const] : consent === 'withdrawn' ? ['consent_withdrawn' as const] : []),
  ];
};

/** Whether the tenant may process the subject for the purpose, and if not, every reason why. */
export const processingDecision = async (deps: ReadDeps, tenantId: string, subjectId: string, purpose: ConsentPurpose): Promise<ProcessingDecision> => {
  const refusals = refusalsOf(await consentStateOf(deps, tenantId, subjectId), deps.keyStore.isErased(tenantId, subjectId), purpose);
  return { allowed: refusals.length === 0, refusals };
};

/** False when consent for the purpose is absent or withdrawn, processing is restricted, or the subject is erased. */
export const mayProcess = async (deps: ReadDeps, tenantId: string, subjectId: string, purpose: ConsentPurpose): Promise<boolean> =>
  (await processingDecision(deps, tenantId, subjectId, purpose)).allowed;

/** The answer of `GET …/consents`. */
export const consentView = async (deps: ReadDeps, tenantId: string, subjectId: string) => {
  const state = await consentStateOf(deps, tenantId, subjectId);
  const consents = Object.entries(state.consents).map(([purpose, record]) => ({ purpose, ...record }));
  const restriction = state.status === 'restricted' ? { restricted: true, ground: state.ground, since: state.since } : { restricted: false };
  return { subjectId, erased: deps.keyStore.isErased(tenantId, subjectId), restriction, consents };
};
