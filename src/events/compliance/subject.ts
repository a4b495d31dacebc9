/**
 * A data subject (a person the tenant holds personal data about), as its own stream
 * `<tenant>/compliance.subject/<subjectId>`: `PersonalDataErased`, then the `ErasureCertified`
 * that records what the erasure did (again, renewed, when a later erasure of the same person
 * covered subjects it did not). Neither carries personal data.
 */
import { unreachable, type DomainEvent } from '../../commands/decider.js';
import { SUBJECT_AGGREGATE, type PersonalDataErased } from '../personal-data/erased.js';
import type { StreamFold } from './stream-state.js';

/** A record whose stream held events about the subject. */
export type AffectedRecord = { recordType: string; id: string };

/** What an erasure did, kept as evidence: who, when, why, and where the subject's data was. */
export type ErasureCertificate = {
  certificateId: string;
  tenantId: string;
  subjectId: string;
  erasedAt: string;
  erasedBy: string;
  reason: string;
  certifiedAt: string;
  records: AffectedRecord[];
  /** Read models that scrubbed the subject's rows before the certificate; `pending` ones had not yet. */
  readModels: { scrubbed: string[]; pending: string[] };
  jobsRemoved: number;
  /**
   * Every subject the erasure covered: the one asked for first, then the others of the same person
   * (contacts merged), whose records are among `records` too. Certificates kept before erasures
   * followed merges have none: they covered `subjectId` alone.
   */
  subjects?: string[];
};

/** The subjects a certificate covered. */
export const subjectsCovered = (certificate: ErasureCertificate): string[] => certificate.subjects ?? [certificate.subjectId];

/** Whether the certificate covered every one of the subjects (else a new one renews it). */
export const certifiesAll = (certificate: ErasureCertificate, subjects: readonly string[]): boolean => {
  const covered = subjectsCovered(certificate);
  return subjects.every((s) => covered.includes(s));
};

export type ErasureCertified = DomainEvent<'ErasureCertified', ErasureCertificate>;

export type SubjectEvent = PersonalDataErased | ErasureCertified;

type Erasure = { erasedAt: string; erasedBy: string; reason: string };

export type SubjectState =
  | { status: 'known' }
  | ({ status: 'erased' } & Erasure)
  | ({ status: 'certified'; certificate: ErasureCertificate } & Erasure);

export const initialSubjectState = (): SubjectState => ({ status: 'known' });

export const evolveSubject = (state: SubjectState, event: SubjectEvent): SubjectState => {
  switch (event.type) {
    case 'PersonalDataErased':
      return { status: 'erased', erasedAt: event.data.erasedAt, erasedBy: event.data.erasedBy, reason: event.data.reason };
    case 'ErasureCertified':
      return state.status === 'known' ? state : { ...state, status: 'certified', certificate: event.data };
    default:
      return unreachable(event);
  }
};

export const subjectFold: StreamFold<SubjectEvent, SubjectState> = { type: SUBJECT_AGGREGATE, initialState: initialSubjectState, evolve: evolveSubject };
