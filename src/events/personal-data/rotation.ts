/**
 * Master-key rotation (`npm run crm -- keys rotate-master`): every live data key is re-wrapped
 * under the new master key in one transaction of the key store, then every token signing key is
 * sealed again under it in one transaction of `identity.db` (a rotation that died between the two
 * finishes the second when run again). Stop the servers first: a process
 * still holding the old master key refuses to mint keys afterwards (`master_key_mismatch`).
 *
 * With `CRM_MASTER_KEY` set, the new key comes from `CRM_NEW_MASTER_KEY` and the operator puts it
 * in place of the old one; no key is ever printed. With the generated key file (development), a
 * new key is generated and staged in `master.key.next` before the re-wrap, then renamed over
 * `master.key`: if the process dies in between, the next run finds the staged key and finishes.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config.js';
import { ConfigError } from '../../errors.js';
import { openIdentityDb } from '../../access/identity-db.js';
import { resealSigningKeys } from '../../access/signing-keys.js';
import { KEY_BYTES } from './cipher.js';
import { MasterKeyMismatchError, PersonalDataIntegrityError } from './errors.js';
import { openKeyStore } from './key-store.js';
import {
  MASTER_KEY_FILE,
  NEXT_MASTER_KEY_FILE,
  masterKeyId,
  promoteKeyFile,
  readKeyFile,
  resolveMasterKey,
  writeKeyFile,
  type WarnLogger,
} from './master-key.js';

export type RotationResult = { rotated: number; signingKeys: number; previousMasterKeyId: string; masterKeyId: string; keyFile?: string };

/** `CRM_NEW_MASTER_KEY` unset or malformed: bad configuration, under its own stable code. */
export class NewMasterKeyError extends ConfigError {
  override readonly code: 'invalid_master_key' | 'new_master_key_required';

  constructor(code: NewMasterKeyError['code'], message: string) {
    super([{ pointer: 'CRM_NEW_MASTER_KEY', message }]);
    this.code = code;
  }
}

const parseNewKey = (raw: string | undefined): Buffer | undefined => {
  if (raw === undefined || raw.trim() === '') return undefined;
  const key = Buffer.from(raw.trim(), 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64') !== raw.trim()) {
    throw new NewMasterKeyError('invalid_master_key', `must be the base64 encoding of exactly ${KEY_BYTES} bytes`);
  }
  return key;
};

const rewrap = (keysFile: string, current: Buffer, next: Buffer): number => {
  const keys = openKeyStore(keysFile, current);
  try {
    return keys.rotateMaster(next);
  } finally {
    keys.close();
  }
};

/** No `identity.db`, no signing keys to seal again. One that `current` does not open is the wrong master key. */
const resealIn = (dataDir: string, current: Buffer, next: Buffer): number => {
  const file = join(dataDir, 'identity.db');
  if (!existsSync(file)) return 0;
  const db = openIdentityDb(file);
  try {
    return resealSigningKeys(db, current, next);
  } catch (error) {
    if (error instanceof PersonalDataIntegrityError) throw new MasterKeyMismatchError([], masterKeyId(current));
    throw error;
  } finally {
    db.close();
  }
};

/** True when the key store is already wrapped by `key` (a rotation that died before its rename). */
const wraps = (keysFile: string, key: Buffer): boolean => {
  try {
    openKeyStore(keysFile, key).close();
    return true;
  } catch (error) {
    if (error instanceof MasterKeyMismatchError) return false;
    throw error;
  }
};

// 1. finish or discard a staged key; 2. stage a new one; 3. re-wrap; 4. rename it into place.
const rotateKeyFile = (dataDir: string, keysFile: string, logger: WarnLogger): RotationResult => {
  const file = join(dataDir, MASTER_KEY_FILE);
  const staged = join(dataDir, NEXT_MASTER_KEY_FILE);
  const stagedKey = readKeyFile(staged);
  if (stagedKey && wraps(keysFile, stagedKey)) {
    const previous = readKeyFile(file);
    const signingKeys = previous ? resealIn(dataDir, previous, stagedKey) : 0;
    promoteKeyFile(dataDir, staged, file);
    const id = masterKeyId(stagedKey);
    return { rotated: 0, signingKeys, previousMasterKeyId: previous ? masterKeyId(previous) : id, masterKeyId: id, keyFile: file };
  }
  if (existsSync(staged)) unlinkSync(staged);
  const current = resolveMasterKey({ dataDir, nodeEnv: 'development' }, logger);
  const next = randomBytes(KEY_BYTES);
  writeKeyFile(dataDir, staged, next);
  const rotated = rewrap(keysFile, current, next);
  const signingKeys = resealIn(dataDir, current, next);
  promoteKeyFile(dataDir, staged, file);
  return { rotated, signingKeys, previousMasterKeyId: masterKeyId(current), masterKeyId: masterKeyId(next), keyFile: file };
};

/** Rotates the master key configured for `config` (see the module comment for where keys live). */
export const rotateMasterKey = (config: Config, newKeyText: string | undefined, logger: WarnLogger): RotationResult => {
  const keysFile = join(config.dataDir, 'keys.db');
  const next = parseNewKey(newKeyText);
  if (config.masterKey === undefined && next === undefined && config.nodeEnv !== 'production') {
    return rotateKeyFile(config.dataDir, keysFile, logger);
  }
  if (next === undefined) {
    throw new NewMasterKeyError('new_master_key_required', `is required (the new master key: the base64 encoding of ${KEY_BYTES} bytes)`);
  }
  const current = resolveMasterKey(config, logger);
  const rotated = wraps(keysFile, next) ? 0 : rewrap(keysFile, current, next);
  const signingKeys = resealIn(config.dataDir, current, next);
  return { rotated, signingKeys, previousMasterKeyId: masterKeyId(current), masterKeyId: masterKeyId(next) };
};
