/**
 * Personal values stored in plaintext by events written before their field was declared personal
 * (a contact's city and job title were `confidential`). The log is never rewritten, so those events
 * keep them as written; readers treat them as the personal values they are: shown while the subject
 * has a key, `null` and listed as erased once the subject is erased, withheld from readers not
 * allowed to see personal values. Never an exception. Erasure cannot remove them from the log's
 * files (only from the read models, which scrub every personal field). An old event of a record's
 * own that names no subject (a lead qualified before its reason was personal) is about its
 * stream's subject, which its reader looks up (`stream-subjects.ts`).
 */
import type { JsonObject } from '../log/port.js';
import { isCiphertext } from './cipher.js';
import type { KeyStore } from './key-store.js';
import { getPath, withValues, type PersonalDataDescriptor, type PersonalDataSpec, type Revealed } from './protect.js';

/** By event type: the subject field and the paths that events of that type may hold in plaintext. */
export type LegacyPlaintext = ReadonlyMap<string, PersonalDataSpec>;

export const noLegacyPlaintext: LegacyPlaintext = new Map();

/** The legacy paths holding a plaintext value that the stored descriptor does not list as encrypted. */
const plaintextPaths = (spec: PersonalDataSpec, descriptor: PersonalDataDescriptor | undefined, data: JsonObject): string[] =>
  spec.fields.filter((path) => {
    const value = getPath(data, path);
    if (value === undefined || value === null || isCiphertext(value)) return false;
    return !descriptor || !descriptor.fields.some((f) => f.path === path);
  });

const nulled = (data: JsonObject, paths: readonly string[]): JsonObject => withValues(data, paths.map((path) => [path, null] as const));

/**
 * The revealed event with its legacy plaintext values `null` and listed as erased when its subject
 * (the one its data names, else `streamSubject`) was erased.
 */
export const revealLegacy = (
  keyStore: KeyStore,
  tenant: string,
  spec: PersonalDataSpec,
  descriptor: PersonalDataDescriptor | undefined,
  revealed: Revealed,
  streamSubject?: string,
): Revealed => {
  const paths = plaintextPaths(spec, descriptor, revealed.data);
  const named = getPath(revealed.data, spec.subjectField);
  const subject = typeof named === 'string' ? named : streamSubject;
  if (paths.length === 0 || subject === undefined || keyStore.existingKey(tenant, subject) !== 'erased') return revealed;
  return { data: nulled(revealed.data, paths), erased: [...revealed.erased, ...paths] };
};

/** The withheld event with its legacy plaintext values withheld too. */
export const withholdLegacy = <W extends Revealed & { withheld: string[] }>(
  spec: PersonalDataSpec,
  descriptor: PersonalDataDescriptor | undefined,
  masked: W,
): W => {
  const paths = plaintextPaths(spec, descriptor, masked.data);
  return paths.length === 0 ? masked : { ...masked, data: nulled(masked.data, paths), withheld: [...masked.withheld, ...paths] };
};
