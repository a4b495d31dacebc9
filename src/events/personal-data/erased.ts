/**
 * The `PersonalDataErased` event (design §4): appended to the subject's own stream
 * (`<tenant>/compliance.subject/<subjectId>`) after the subject's data key was destroyed. It says
 * who erased whom, when and why, and carries no personal data. Projectors handle it by scrubbing
 * every row about that subject in that tenant (`metadata.tenantId`).
 */
import type { DomainEvent } from '../../commands/decider.js';

export const PERSONAL_DATA_ERASED = 'PersonalDataErased';

/** The aggregate type of a data subject's stream. */
export const SUBJECT_AGGREGATE = 'compliance.subject';

export type PersonalDataErasedData = {
  subjectId: string;
  /** Why (a legal ground, a ticket reference); must not contain personal data. */
  reason: string;
  erasedBy: string;
  erasedAt: string;
};

export type PersonalDataErased = DomainEvent<typeof PERSONAL_DATA_ERASED, PersonalDataErasedData>;

export const isPersonalDataErased = (event: { type: string }): event is PersonalDataErased =>
  event.type === PERSONAL_DATA_ERASED;
