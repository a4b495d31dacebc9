/**
 * Keyed hashes for equality lookups on personal data (design §4: dedupe by email) without storing
 * the value. Two kinds, with different lifetimes:
 *
 * - `keyedHash(subjectKey, …)`: HMAC-SHA256 under a sub-key derived (HKDF) from the subject's data
 *   key. It dies with the subject: once the key is erased nobody can recompute it, so it may be
 *   stored anywhere, events included. But it cannot answer "does this email already exist among
 *   the tenant's contacts?": each subject hashes under its own key, so equal values across
 *   subjects give different hashes.
 * - `tenantLookupHash(keyStore, tenant, …)`: HMAC under one lookup key per tenant (stored in the
 *   key store under the reserved subject `LOOKUP_SUBJECT`), so equal values give equal hashes
 *   across subjects: this is what a uniqueness check uses. The lookup key outlives any one
 *   subject, so such a hash must NEVER go into an event (the log is immutable: the hash would
 *   link the person to the tenant forever). It lives only in a read-model row, computed by the
 *   projector from the revealed value; on erasure the projector deletes (scrubs) that row, and
 *   a rebuild recomputes nothing for the erased subject (their value reads `null`). Once the row
 *   is gone nothing links the hash to the person.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { InvalidInputError } from '../../errors.js';
import { LOOKUP_SUBJECT, type KeyStore } from './key-store.js';
import { lruCache } from './lru.js';

/** An email as compared for equality: Unicode NFC, trimmed, lower-cased. */
export const normalizeEmail = (email: string): string => email.normalize('NFC').trim().toLowerCase();

const NORMALIZERS: Record<string, (value: string) => string> = { email: normalizeEmail };

/** The normalization applied before hashing: per purpose (`email`), else NFC and trimmed. */
export const normalizeFor = (purpose: string, value: string): string =>
  (NORMALIZERS[purpose] ?? ((v: string) => v.normalize('NFC').trim()))(value);

const subKey = (key: Buffer, purpose: string): Buffer => {
  if (purpose === '' || purpose.includes('\0')) {
    throw new InvalidInputError('invalid_purpose', 'A hash purpose must be a non-empty string without NUL');
  }
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `crm keyed hash v1\0${purpose}`, 32));
};

/**
 * HMAC-SHA256 (base64url) of the normalized value under a sub-key of `key` for this `purpose`
 * (e.g. `email`): the same value under another purpose or key hashes differently. Without the key
 * it cannot be recomputed, so a hash under a subject's data key dies with the subject.
 */
export const keyedHash = (key: Buffer, purpose: string, value: string): string =>
  createHmac('sha256', subKey(key, purpose)).update(normalizeFor(purpose, value), 'utf8').digest('base64url');

const lookupSubKeys = lruCache<Buffer>(1_024);

/**
 * The tenant-wide lookup hash for equality across subjects (mints the tenant's lookup key on first
 * use). Store it only in read-model rows that the projector deletes on erasure; never in events.
 */
export const tenantLookupHash = (keyStore: KeyStore, tenant: string, purpose: string, value: string): string => {
  const key = keyStore.keyFor(tenant, LOOKUP_SUBJECT);
  // HKDF costs more than the HMAC: the tenants' lookup sub-keys are kept (the key store was asked first, so never past an erasure).
  const name = `${purpose}\0${key.toString('base64')}`;
  let derived = lookupSubKeys.get(name);
  if (!derived) lookupSubKeys.set(name, (derived = subKey(key, purpose)));
  return createHmac('sha256', derived).update(normalizeFor(purpose, value), 'utf8').digest('base64url');
};
