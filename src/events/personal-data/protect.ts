/**
 * The schema-driven side of personal data, used by the command handler (before append) and by
 * everything that reads events (after load, before upcasting and folding).
 *
 * A `PersonalDataSpec` says, for one event type, which data field names the data subject and which
 * data fields are personal (paths: `email`, or `fields.email` through nested objects). `protect`
 * encrypts the personal fields under the subject's key; `personalDataDescriptor` gives what to
 * store in the event's `metadata.personalData`; `reveal` decrypts, reading erased data as `null`.
 */
import type { JsonObject, JsonValue } from '../log/port.js';
import { decryptField, encryptField, isCiphertext } from './cipher.js';
import { InvalidSubjectError, MissingSubjectError } from './errors.js';
import { isReservedSubject, type KeyStore } from './key-store.js';

/** One subject and the personal fields about them. An event about several people lists several. */
export type PersonalDataSpec = {
  /** Path of the data field holding the subject id, e.g. `subjectId`. */
  subjectField: string;
  /** Paths of the personal data fields, encrypted under that subject's key. */
  fields: readonly string[];
};

/** What an event type declares: one spec, or one per subject. */
export type PersonalDataSpecs = PersonalDataSpec | readonly PersonalDataSpec[];

/**
 * The descriptor stored in `metadata.personalData`: every subject the event names, and each
 * encrypted field (its path as written, and the subject whose key encrypted it). It carries no
 * personal data (subject ids are pseudonymous) and lets readers decrypt without the schema of the
 * day, lets compliance find a subject's events, and survives field renames by upcasters.
 */
export type PersonalDataDescriptor = {
  subjects: string[];
  fields: Array<{ path: string; subject: string }>;
};

/**
 * The descriptor as `metadata.personalData` stores it: when the event is about one subject (the
 * common case) each field is its path alone, the subject being the only one listed; otherwise
 * each field names its subject. `descriptorOf` reads both forms.
 */
export type StoredDescriptor = { subjects: string[]; fields: Array<string | { path: string; subject: string }> };

const stored = (descriptor: PersonalDataDescriptor): StoredDescriptor => {
  const [only, ...others] = descriptor.subjects;
  const oneSubject = only !== undefined && others.length === 0 && descriptor.fields.every((f) => f.subject === only);
  return oneSubject ? { subjects: descriptor.subjects, fields: descriptor.fields.map((f) => f.path) } : descriptor;
};

/** `reveal`'s answer: the data with plaintext (or `null`) in personal fields, and the paths erased. */
export type Revealed = { data: JsonObject; erased: string[] };

type Placement = { path: string; subject: string };

const groups = (specs: PersonalDataSpecs): readonly PersonalDataSpec[] =>
  ('fields' in specs ? [specs] : specs) as readonly PersonalDataSpec[];

const isObject = (value: JsonValue | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// Paths come from the schemas' specs and from the descriptors written from them: a few dozen.
const splitPaths = new Map<string, readonly string[]>();
const partsOf = (path: string): readonly string[] => {
  let parts = splitPaths.get(path);
  if (parts) return parts;
  if (splitPaths.size >= 10_000) splitPaths.clear();
  parts = path.split('.');
  splitPaths.set(path, parts);
  return parts;
};

/** The value at a dotted path through nested objects, or undefined. */
export const getPath = (data: JsonObject, path: string): JsonValue | undefined => getParts(data, partsOf(path));

/** `getPath` for a path already split at its dots (a hot loop splits each path once). */
export const getParts = (data: JsonObject, parts: readonly string[]): JsonValue | undefined => {
  let current: JsonValue | undefined = data;
  for (const part of parts) {
    if (!isObject(current) || !Object.hasOwn(current, part)) return undefined;
    current = current[part];
  }
  return current;
};

/**
 * A copy of `data` with new values at dotted paths whose parents exist (as `getPath` found them).
 * Only the objects on those paths are copied; everything else is shared with `data`, unchanged.
 */
export const withValues = (data: JsonObject, values: ReadonlyArray<readonly [string, JsonValue]>): JsonObject => {
  const out = { ...data };
  const copies = new Set<JsonObject>([out]);
  for (const [path, value] of values) {
    const parts = partsOf(path);
    let current = out;
    for (const part of parts.slice(0, -1)) {
      const child = current[part] as JsonObject;
      current = copies.has(child) ? child : (current[part] = { ...child });
      copies.add(current);
    }
    current[parts[parts.length - 1]!] = value;
  }
  return out;
};

const hasValue = (data: JsonObject, path: string): boolean => {
  const value = getPath(data, path);
  return value !== undefined && value !== null;
};

/** Every subject id the event names (through its specs' subject fields), without duplicates. */
export const subjectsOf = (specs: PersonalDataSpecs, data: JsonObject): string[] => {
  const ids = groups(specs).map((spec) => getPath(data, spec.subjectField));
  return [...new Set(ids.filter((id): id is string => typeof id === 'string' && id !== ''))];
};

const subjectOf = (spec: PersonalDataSpec, data: JsonObject): string => {
  const subject = getPath(data, spec.subjectField);
  if (typeof subject !== 'string' || subject === '') throw new MissingSubjectError(spec.subjectField);
  if (isReservedSubject(subject)) {
    throw new InvalidSubjectError('A reserved subject id cannot be a data subject', { subjectId: subject });
  }
  return subject;
};

/** The personal fields holding a value (not absent, not null), each with its subject. */
const placementsOf = (specs: PersonalDataSpecs, data: JsonObject): Placement[] =>
  groups(specs).flatMap((spec) => {
    const present = spec.fields.filter((path) => hasValue(data, path));
    if (present.length === 0) return [];
    const subject = subjectOf(spec, data);
    return present.map((path) => ({ path, subject }));
  });

/**
 * The data with each personal field that holds a value replaced by its ciphertext (absent and
 * `null` fields stay as they are; no key is minted for an event without personal values), and the
 * descriptor for `metadata.personalData` (undefined when the event names no subject). Throws
 * `SubjectErasedError` (409 `subject_erased`) when a subject was erased, `MissingSubjectError`
 * when personal values come without a subject id. Does not change `data`.
 */
export const protectEvent = (
  keyStore: KeyStore,
  tenant: string,
  specs: PersonalDataSpecs,
  data: JsonObject,
): { data: JsonObject; descriptor: StoredDescriptor | undefined } => {
  const placements = placementsOf(specs, data);
  const keys = new Map<string, Buffer>();
  const sealed = placements.map(({ path, subject }) => {
    if (!keys.has(subject)) keys.set(subject, keyStore.keyFor(tenant, subject));
    return [path, encryptField(keys.get(subject)!, { tenant, subject, field: path }, getPath(data, path)!)] as const;
  });
  const subjects = [...new Set([...subjectsOf(specs, data), ...keys.keys()])];
  return { data: withValues(data, sealed), descriptor: subjects.length === 0 ? undefined : stored({ subjects, fields: placements }) };
};

/** `protectEvent`'s data alone. */
export const protect = (keyStore: KeyStore, tenant: string, specs: PersonalDataSpecs, data: JsonObject): JsonObject =>
  protectEvent(keyStore, tenant, specs, data).data;

/**
 * The descriptor for `metadata.personalData` of an event whose data `protect` returned, or
 * undefined when the event names no subject and holds no personal data.
 */
export const personalDataDescriptor = (
  specs: PersonalDataSpecs,
  protectedData: JsonObject,
): StoredDescriptor | undefined => {
  const fields = placementsOf(specs, protectedData).filter(({ path }) => isCiphertext(getPath(protectedData, path)));
  const subjects = [...new Set([...subjectsOf(specs, protectedData), ...fields.map((f) => f.subject)])];
  return subjects.length === 0 && fields.length === 0 ? undefined : stored({ subjects, fields });
};

/** One stored field: `{ path, subject }`, or a path alone when the event lists exactly one subject. */
const placementOf = (field: JsonValue, subjects: string[]): Placement | undefined => {
  if (typeof field === 'string') return subjects.length === 1 ? { path: field, subject: subjects[0]! } : undefined;
  return isObject(field) && typeof field.path === 'string' && typeof field.subject === 'string'
    ? { path: field.path, subject: field.subject }
    : undefined;
};

/** Reads `metadata.personalData` back (either stored form), or undefined when absent or malformed. */
export const descriptorOf = (metadata: JsonObject): PersonalDataDescriptor | undefined => {
  const value = metadata.personalData;
  if (!isObject(value) || !Array.isArray(value.subjects) || !Array.isArray(value.fields)) return undefined;
  const subjects = value.subjects.filter((s): s is string => typeof s === 'string');
  const fields = value.fields.map((f) => placementOf(f, subjects)).filter((f): f is Placement => f !== undefined);
  return { subjects, fields };
};

/**
 * The data with every personal field of the stored descriptor set to `null`, nothing decrypted:
 * for readers who may see that events happened but not the person's values.
 */
export const withhold = (descriptor: PersonalDataDescriptor, data: JsonObject): Revealed & { withheld: string[] } => {
  const withheld = descriptor.fields.filter((f) => hasValue(data, f.path)).map((f) => f.path);
  return { data: withValues(data, withheld.map((path) => [path, null] as const)), erased: [], withheld };
};

const isDescriptor = (source: PersonalDataSpecs | PersonalDataDescriptor): source is PersonalDataDescriptor =>
  'subjects' in source;

/** One field's revealed value: plaintext, `'erased'`, or the stored value as it is (legacy plaintext). */
const revealOne = (key: Buffer | 'erased' | undefined, tenant: string, place: Placement, value: JsonValue) => {
  if (key === 'erased' || (key === undefined && isCiphertext(value))) return 'erased' as const;
  if (key === undefined || !isCiphertext(value)) return { value };
  return { value: decryptField(key, { tenant, subject: place.subject, field: place.path }, value) };
};

/**
 * The data with personal fields decrypted. When the subject was erased (or the value is a
 * ciphertext no key exists for) the field reads `null` and its path is listed in `erased`: never
 * an exception. A ciphertext that does not authenticate throws `PersonalDataIntegrityError`.
 * Pass the event's stored descriptor (`descriptorOf(metadata)`) when it has one, else its specs.
 */
export const reveal = (
  keyStore: KeyStore,
  tenant: string,
  source: PersonalDataSpecs | PersonalDataDescriptor,
  data: JsonObject,
): Revealed => {
  const erased: string[] = [];
  const keys = new Map<string, Buffer | 'erased' | undefined>();
  const placements = isDescriptor(source)
    ? source.fields.filter((f) => hasValue(data, f.path))
    : placementsOf(source, data);
  const revealed = placements.map((place) => {
    if (!keys.has(place.subject)) keys.set(place.subject, keyStore.existingKey(tenant, place.subject));
    const result = revealOne(keys.get(place.subject), tenant, place, getPath(data, place.path)!);
    if (result === 'erased') erased.push(place.path);
    return [place.path, result === 'erased' ? null : result.value] as const;
  });
  return { data: withValues(data, revealed), erased };
};
