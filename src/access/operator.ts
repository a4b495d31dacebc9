/**
 * Operator commands on identity (`npm run crm -- tokens issue …`, `keys rotate-signing`): they
 * open the `identity.db` a server created, with the master key as the server does, and close it again.
 */
import type Database from 'better-sqlite3';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { IDENTITY_DB, requireDataFile } from '../cli-data-dir.js';
import type { Config } from '../config.js';
import { InvalidInputError } from '../errors.js';
import { MasterKeyMismatchError, PersonalDataIntegrityError } from '../events/personal-data/errors.js';
import { masterKeyId, resolveMasterKey, type WarnLogger } from '../events/personal-data/master-key.js';
import { openIdentityDb } from './identity-db.js';
import { ROLES } from './policy.js';
import { openSigningKeys, type SigningKeys } from './signing-keys.js';
import { issueAccessToken } from './tokens.js';

/**
 * The signing keys are sealed under the master key: one that does not open them is the wrong
 * master key, named as the key store names it. Checking keys.db instead is no option here: with
 * no data key in it yet, opening it would record the wrong key's id and stop running servers minting.
 */
const openSealedKeys = async (db: Database.Database, masterKey: Buffer): Promise<SigningKeys> => {
  try {
    return await openSigningKeys(db, masterKey);
  } catch (error) {
    if (error instanceof PersonalDataIntegrityError) throw new MasterKeyMismatchError([], masterKeyId(masterKey));
    throw error;
  }
};

const withSigningKeys = async <T>(config: Config, logger: WarnLogger, work: (keys: SigningKeys) => Promise<T>): Promise<T> => {
  requireDataFile(config.dataDir, IDENTITY_DB); // a fresh identity.db would hold a signing key no server knows
  const db = openIdentityDb(join(config.dataDir, IDENTITY_DB));
  try {
    return await work(await openSealedKeys(db, resolveMasterKey(config, logger)));
  } finally {
    db.close();
  }
};

const TENANT = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const ACTOR = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/;

const tokenRequest = (args: string[]) => {
  const { values } = parseArgs({ args, options: { tenant: { type: 'string' }, actor: { type: 'string' }, roles: { type: 'string' }, ttl: { type: 'string', default: '900' } } });
  const roles = (values.roles ?? '').split(',').filter(Boolean);
  const ttl = Number(values.ttl);
  const bad = [
    !TENANT.test(values.tenant ?? '') && '--tenant <tenant id>',
    !ACTOR.test(values.actor ?? '') && '--actor <user or client id>',
    (roles.length === 0 || roles.some((r) => !Object.hasOwn(ROLES, r))) && `--roles <${Object.keys(ROLES).join('|')},…>`,
    !(Number.isInteger(ttl) && ttl >= 60 && ttl <= 86_400) && '--ttl <60 to 86400 seconds>',
  ].filter((x): x is string => typeof x === 'string');
  if (bad.length > 0) throw new InvalidInputError('invalid_arguments', `tokens issue needs ${bad.join(', ')}`);
  return { tenantId: values.tenant!, actorId: values.actor!, roles, ttl };
};

/** Issues an access token for an operator or integration; prints nothing, answers the token. */
export const issueOperatorToken = async (config: Config, args: string[], logger: WarnLogger) => {
  const { ttl, ...principal } = tokenRequest(args);
  return withSigningKeys(config, logger, async (keys) => ({
    accessToken: await issueAccessToken(keys, { issuer: config.publicUrl, ttlSeconds: ttl }, { ...principal, clientId: 'crm-cli' }),
    tokenType: 'Bearer',
    expiresIn: ttl,
  }));
};

/** Makes a new signing key current; the old one stays published until its tokens have expired. */
export const rotateSigningKey = (config: Config, logger: WarnLogger) =>
  withSigningKeys(config, logger, async (keys) => ({ kid: await keys.rotate() }));
