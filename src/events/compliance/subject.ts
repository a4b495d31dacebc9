/**
 * A data subject (a person the tenant holds personal data about), as its own stream
 * `<tenant>/compliance.subject/<subjectId>`. Its one event so far is `PersonalDataErased`.
 */
import { unreachable } from '../../commands/decider.js';
import type { PersonalDataErased } from '../personal-data/erased.js';

export type SubjectEvent = PersonalDataErased;

export type SubjectState =
  | { status: 'known' }
  | { status: 'erased'; erasedAt: string; erasedBy: string; reason: string };

export const initialSubjectState = (): SubjectState => ({ status: 'known' });

export const evolveSubject = (state: SubjectState, event: SubjectEvent): SubjectState => {
  switch (event.type) {
    case 'PersonalDataErased':
      return { status: 'erased', erasedAt: event.data.erasedAt, erasedBy: event.data.erasedBy, reason: event.data.reason };
    default:
      return unreachable(event.type);
  }
};
