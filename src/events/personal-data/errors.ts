/**
 * The errors of the personal-data machinery. All are `AppError`s with stable codes; none of their
 * messages or extras carries personal data or key material (subject ids are pseudonymous UUIDs).
 */
import { AppError, ConflictError, InvalidInputError } from '../../errors.js';

/**
 * 409 `subject_erased`: the command carries personal data about a subject whose data key was
 * destroyed. 409 (the request conflicts with the subject's state, like any other state conflict)
 * rather than 410: the resource the client addressed may well exist, only its person is erased,
 * and no retry or edit of that request can ever succeed with personal data in it.
 */
export class SubjectErasedError extends ConflictError {
  constructor(tenantId: string, subjectId: string) {
    super('subject_erased', 'This data subject was erased: no personal data can be recorded about them', {
      tenantId,
      subjectId,
    });
  }
}

/** 500 `personal_data_integrity`: a ciphertext does not authenticate (tampered, moved, or wrong key). */
export class PersonalDataIntegrityError extends AppError {
  constructor(message: string, extra: Record<string, unknown> = {}, cause?: unknown) {
    super('personal_data_integrity', 500, message, { extra, cause });
  }
}

/** 500 `master_key_mismatch`: the key store's data keys are wrapped by another master key. */
export class MasterKeyMismatchError extends AppError {
  constructor(expected: readonly string[], actual: string) {
    super(
      'master_key_mismatch',
      500,
      'The master key is not the one that wrapped the data keys in the key store ' +
        '(was CRM_MASTER_KEY changed without `keys rotate-master`?)',
      { extra: { storedMasterKeyIds: expected, configuredMasterKeyId: actual } },
    );
  }
}

/** 400 `invalid_subject`: a subject or tenant id is empty, not a string, reserved or holds a NUL. */
export class InvalidSubjectError extends InvalidInputError {
  constructor(message: string, extra?: Record<string, unknown>) {
    super('invalid_subject', message, [], extra);
  }
}

/** 500 `personal_data_subject_missing`: an event holds personal data but names no subject (a bug). */
export class MissingSubjectError extends AppError {
  constructor(subjectField: string) {
    super('personal_data_subject_missing', 500, `Personal data without a subject id in "${subjectField}"`, {
      extra: { subjectField },
    });
  }
}
