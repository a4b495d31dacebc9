/**
 * Data classification (issue 7, item 8): every field of every record kind carries a class,
 * declared with the kind. `personal` and `sensitive` fields are exactly the encrypted ones (the
 * kind's `personal` list), checked when the kind's personal-data specs are derived, so a kind that
 * disagrees with itself fails at startup instead of storing an unencrypted personal field.
 */
import { AppError } from '../errors.js';
import type { RecordKind } from './catalogue.js';

export const DATA_CLASSES = ['public', 'internal', 'confidential', 'personal', 'sensitive'] as const;

export type DataClass = (typeof DATA_CLASSES)[number];

/** The classes whose values are encrypted under the data subject's key. */
export const ENCRYPTED_CLASSES: readonly DataClass[] = ['personal', 'sensitive'];

/** The fields every record view carries beside the kind's own, and their classes. */
export const RECORD_FIELD_CLASSES: Readonly<Record<string, DataClass>> = {
  id: 'internal',
  subjectId: 'internal',
  status: 'internal',
  ownerId: 'internal',
  tags: 'internal',
  revision: 'internal',
  createdAt: 'internal',
  updatedAt: 'internal',
};

/** A record kind whose classification disagrees with its fields or its encryption: a bug. */
export class ClassificationError extends AppError {
  constructor(kind: string, problems: string[]) {
    super('invalid_classification', 500, `Record kind ${kind}: ${problems.join('; ')}`, { extra: { kind, problems } });
  }
}

const problemsOf = (kind: RecordKind): string[] => {
  const fields = Object.keys(kind.fields);
  const classified = Object.keys(kind.classification);
  const encrypted = classified.filter((name) => ENCRYPTED_CLASSES.includes(kind.classification[name]!));
  return [
    ...fields.filter((name) => !classified.includes(name)).map((name) => `field ${name} has no class`),
    ...classified.filter((name) => !fields.includes(name)).map((name) => `class given for unknown field ${name}`),
    ...classified.filter((name) => !DATA_CLASSES.includes(kind.classification[name]!)).map((name) => `field ${name}: unknown class`),
    ...encrypted.filter((name) => !kind.personal.includes(name)).map((name) => `field ${name} is ${kind.classification[name]} but not encrypted`),
    ...kind.personal.filter((name) => !encrypted.includes(name)).map((name) => `field ${name} is encrypted but not personal or sensitive`),
  ];
};

/** Throws `ClassificationError` unless every field has a class and the encrypted classes are exactly the personal fields. */
export const assertClassified = (kind: RecordKind): void => {
  const problems = problemsOf(kind);
  if (problems.length > 0) throw new ClassificationError(kind.type, problems);
};

export type FieldClass = { field: string; class: DataClass; encrypted: boolean };

/** One record type's fields and their classes: the common fields first, then the kind's own. */
export const classificationOf = (kind: RecordKind): { recordType: string; fields: FieldClass[] } => {
  const common = Object.entries(RECORD_FIELD_CLASSES).filter(([name]) => name !== 'subjectId' || kind.subject !== undefined);
  const own = Object.keys(kind.fields).map((name) => [name, kind.classification[name]!] as const);
  return {
    recordType: kind.type,
    fields: [...common, ...own].map(([field, dataClass]) => ({ field, class: dataClass, encrypted: ENCRYPTED_CLASSES.includes(dataClass) })),
  };
};
