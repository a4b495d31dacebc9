/**
 * Data classification (issue 7, item 8): every field of every record kind carries a class,
 * declared with the kind. `personal` and `sensitive` fields are exactly the encrypted ones (the
 * kind's `personal` list), checked when the kind's personal-data specs are derived, so a kind that
 * disagrees with itself fails at startup instead of storing an unencrypted personal field. Record
 * types outside the catalogue (identity's) declare theirs beside their events, checked the same way.
 */
import { AppError } from '../errors.js';
import type { RecordKind } from './catalogue.js';
import type { PersonalDataSpec, PersonalDataSpecs } from './personal-data/protect.js';

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

const problemsOf = (fields: readonly string[], classes: Readonly<Record<string, DataClass>>, encrypted: readonly string[]): string[] => {
  const classified = Object.keys(classes);
  const secret = classified.filter((name) => ENCRYPTED_CLASSES.includes(classes[name]!));
  return [
    ...fields.filter((name) => !classified.includes(name)).map((name) => `field ${name} has no class`),
    ...classified.filter((name) => !fields.includes(name)).map((name) => `class given for unknown field ${name}`),
    ...classified.filter((name) => !DATA_CLASSES.includes(classes[name]!)).map((name) => `field ${name}: unknown class`),
    ...secret.filter((name) => !encrypted.includes(name)).map((name) => `field ${name} is ${classes[name]} but not encrypted`),
    ...encrypted.filter((name) => !secret.includes(name)).map((name) => `field ${name} is encrypted but not personal or sensitive`),
  ];
};

/** Throws `ClassificationError` unless every field has a class and the encrypted classes are exactly the personal fields. */
export const assertClassified = (kind: RecordKind): void => {
  const problems = [
    ...problemsOf(Object.keys(kind.fields), kind.classification, kind.personal),
    ...(kind.legacyPlaintext ?? []).filter((name) => !kind.personal.includes(name)).map((name) => `field ${name} is legacy plaintext but not encrypted`),
    ...Object.entries(kind.personalEffects ?? {}).flatMap(([name, paths]) =>
      Object.values(paths).filter((field) => !kind.personal.includes(field)).map((field) => `${name}'s personal value goes to ${field}, which is not encrypted`)),
  ];
  if (problems.length > 0) throw new ClassificationError(kind.type, problems);
};

/**
 * A record type outside the catalogue (identity's users, clients, organizations): the class of each
 * field it holds, common ones included, and the fields its events encrypt (from its personal-data specs).
 */
export type DeclaredClassification = {
  recordType: string;
  classes: Readonly<Record<string, DataClass>>;
  encrypted: readonly string[];
};

const specsOf = (specs: PersonalDataSpecs): readonly PersonalDataSpec[] => ('subjectField' in specs ? [specs] : specs);

/** The fields an event type's personal-data specs encrypt, whichever event holds them. */
export const encryptedFieldsOf = (specs: Readonly<Record<string, PersonalDataSpecs>>): string[] =>
  [...new Set(Object.values(specs).flatMap(specsOf).flatMap((spec) => spec.fields))];

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

/** A declared record type's fields and their classes, as `classificationOf` lists a kind's; throws `ClassificationError` like `assertClassified`. */
export const declaredClassificationOf = (declared: DeclaredClassification): { recordType: string; fields: FieldClass[] } => {
  const { recordType, classes, encrypted } = declared;
  const problems = problemsOf([...new Set([...Object.keys(classes), ...encrypted])], classes, encrypted);
  if (problems.length > 0) throw new ClassificationError(recordType, problems);
  return {
    recordType,
    fields: Object.entries(classes).map(([field, dataClass]) => ({ field, class: dataClass, encrypted: ENCRYPTED_CLASSES.includes(dataClass) })),
  };
};
