/**
 * The master key wraps every data key (design §4). It comes from `CRM_MASTER_KEY`; outside
 * production, when that is unset, a key file `DATA_DIR/master.key` (base64, mode 0600) is used,
 * generated on first start with a warning. In production the process refuses to start without
 * `CRM_MASTER_KEY`. Key material never reaches a log line.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config.js';
import { ConfigError } from '../../errors.js';
import { KEY_BYTES } from './cipher.js';

/** The name of the generated key file inside `DATA_DIR`. */
export const MASTER_KEY_FILE = 'master.key';

/** What `resolveMasterKey` reads from the configuration. */
export type MasterKeySource = Pick<Config, 'dataDir' | 'nodeEnv'> & { masterKey?: Buffer | undefined };

/** The one logger method this module uses (a pino logger fits). */
export type WarnLogger = { warn: (fields: object, message: string) => void };

/**
 * A short public identifier of a master key (not secret: a truncated hash, from which the key
 * cannot be recovered). Stored beside each wrapped data key so a mismatch or rotation is visible.
 */
export const masterKeyId = (key: Buffer): string =>
  createHash('sha256').update('crm master key id v1\0').update(key).digest('hex').slice(0, 16);

const refuse = (message: string): ConfigError => new ConfigError([{ pointer: 'CRM_MASTER_KEY', message }]);

const parseKeyFile = (file: string): Buffer => {
  const text = readFileSync(file, 'utf8').trim();
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64') !== text) {
    throw refuse(`is unset and ${file} does not hold the base64 encoding of exactly ${KEY_BYTES} bytes`);
  }
  return key;
};

/**
 * Writes the key into a temporary file (mode 0600, fsynced), then links it into place: the link is
 * atomic and exclusive, so a concurrent start never reads a half-written file nor overwrites a key.
 */
export const writeKeyFile = (dir: string, file: string, key: Buffer): void => {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, `${key.toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, file);
  } finally {
    unlinkSync(temporary);
  }
  const dirFd = openSync(dir, 'r');
  fsyncSync(dirFd);
  closeSync(dirFd);
};

/** Reads the key file, generating it first when absent (another process may win the race: then read theirs). */
const keyFromFile = (dataDir: string, logger: WarnLogger): Buffer => {
  const file = join(dataDir, MASTER_KEY_FILE);
  let generated = false;
  try {
    writeKeyFile(dataDir, file, randomBytes(KEY_BYTES));
    generated = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const key = parseKeyFile(file);
  const loose = (statSync(file).mode & 0o077) !== 0;
  logger.warn(
    { file, masterKeyId: masterKeyId(key), generated, ...(loose ? { mode: 'readable by others' } : {}) },
    generated
      ? 'CRM_MASTER_KEY is not set: generated a master key file (development only; set CRM_MASTER_KEY in production)'
      : 'CRM_MASTER_KEY is not set: using the generated master key file (development only)',
  );
  return key;
};

/**
 * The master key: the configured one; in production, without it, a `ConfigError` (the process
 * refuses to start); otherwise the key in `DATA_DIR/master.key`, generated on first use.
 */
export const resolveMasterKey = (source: MasterKeySource, logger: WarnLogger): Buffer => {
  if (source.masterKey !== undefined) {
    if (source.masterKey.length !== KEY_BYTES) throw refuse(`must be exactly ${KEY_BYTES} bytes`);
    return source.masterKey;
  }
  if (source.nodeEnv === 'production') throw refuse('is required in production');
  return keyFromFile(source.dataDir, logger);
};

/** The staged key file of a rotation in progress (see `rotation.ts`). */
export const NEXT_MASTER_KEY_FILE = 'master.key.next';

/** Reads a base64 key file (32 bytes), or undefined when there is none. */
export const readKeyFile = (file: string): Buffer | undefined => {
  try {
    return parseKeyFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
};

/** Atomically moves the staged key over the key file and makes the rename durable. */
export const promoteKeyFile = (dataDir: string, staged: string, file: string): void => {
  renameSync(staged, file);
  const dirFd = openSync(dataDir, 'r');
  fsyncSync(dirFd);
  closeSync(dirFd);
};
