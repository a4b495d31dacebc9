/**
 * The ES256 keys that sign access tokens. Kept in `DATA_DIR/identity.db`: the public JWK in the
 * clear (it is published at the JWKS endpoint), the private JWK sealed under the master key. The
 * newest key signs; older ones stay published for verification until the tokens they signed have
 * expired (`npm run crm -- keys rotate-signing`).
 */
import type Database from 'better-sqlite3';
import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, calculateJwkThumbprint, type JWK } from 'jose';
import { seal, unseal } from '../events/personal-data/cipher.js';
import { PersonalDataIntegrityError } from '../events/personal-data/errors.js';
import { writeVersion } from '../sqlite-memo.js';

export const SIGNING_ALGORITHM = 'ES256';

export type SigningKey = { kid: string; privateKey: KeyObject };

export type SigningKeys = {
  /** The key that signs new tokens: the newest, also after a rotation by another process (the CLI). */
  current(): SigningKey;
  /** The published keys (RFC 7517 set): every key not retired longer ago than `keepRetiredMs`. */
  jwks(): { keys: JWK[] };
  /** Makes a new signing key current; the previous one stays published. Returns the new kid. */
  rotate(): Promise<string>;
};

const SCHEMA = `CREATE TABLE IF NOT EXISTS signing_keys (
  kid TEXT PRIMARY KEY, sealed_private BLOB NOT NULL, public_jwk TEXT NOT NULL, created_at TEXT NOT NULL
)`;

const AD = Buffer.from('crm signing key v1');

type Row = { kid: string; sealed_private: Buffer; public_jwk: string; created_at: string };

const newKeyRow = async (masterKey: Buffer): Promise<Row> => {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
  const { d, ...publicJwk } = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const sealed = seal(masterKey, AD, Buffer.from(JSON.stringify({ ...publicJwk, d })));
  const published = { ...publicJwk, kid, alg: SIGNING_ALGORITHM, use: 'sig' };
  return { kid, sealed_private: sealed, public_jwk: JSON.stringify(published), created_at: new Date().toISOString() };
};

const privateJwkOf = (row: Row, masterKey: Buffer): JWK => JSON.parse(unseal(masterKey, AD, row.sealed_private).toString('utf8')) as JWK;

const loadKey = (row: Row, masterKey: Buffer): SigningKey =>
  ({ kid: row.kid, privateKey: createPrivateKey({ key: privateJwkOf(row, masterKey) as JsonWebKey, format: 'jwk' }) });

const sealedUnder = (key: Buffer, row: Row): boolean => {
  try {
    unseal(key, AD, row.sealed_private);
    return true;
  } catch (error) {
    if (error instanceof PersonalDataIntegrityError) return false;
    throw error;
  }
};

/**
 * Part of a master-key rotation: seals every signing key under `next` instead of `current`, in one
 * transaction; a key already sealed under `next` (a rotation resumed after a crash) is left as it
 * is. Answers how many were sealed again.
 */
export const resealSigningKeys = (db: Database.Database, current: Buffer, next: Buffer): number => {
  db.exec(SCHEMA);
  const update = db.prepare('UPDATE signing_keys SET sealed_private = ? WHERE kid = ?');
  const rows = db.prepare('SELECT * FROM signing_keys');
  return db.transaction(() => {
    const stale = (rows.all() as Row[]).filter((row) => !sealedUnder(next, row));
    for (const row of stale) update.run(seal(next, AD, unseal(current, AD, row.sealed_private)), row.kid);
    return stale.length;
  }).immediate();
};

/**
 * The newest signing key as a private JWK (with `kid`, `alg`, `use`), for the OAuth server's
 * keystore, which signs access tokens itself. Call after `openSigningKeys`; never publish it.
 */
export const currentPrivateJwk = (db: Database.Database, masterKey: Buffer): JWK => {
  const row = db.prepare('SELECT * FROM signing_keys ORDER BY created_at DESC, kid LIMIT 1').get() as Row;
  return { ...privateJwkOf(row, masterKey), kid: row.kid, alg: SIGNING_ALGORITHM, use: 'sig' };
};

/**
 * Opens the signing keys (creating the first one when there is none). Keys retired by a rotation
 * stay published for `keepRetiredMs` (default: one day, far beyond any access token's lifetime).
 */
export const openSigningKeys = async (db: Database.Database, masterKey: Buffer, keepRetiredMs = 86_400_000): Promise<SigningKeys> => {
  db.exec(SCHEMA);
  const insert = db.prepare('INSERT INTO signing_keys (kid, sealed_private, public_jwk, created_at) VALUES (@kid, @sealed_private, @public_jwk, @created_at)');
  const all = db.prepare('SELECT * FROM signing_keys ORDER BY created_at DESC, kid');
  const newestKid = db.prepare('SELECT kid FROM signing_keys ORDER BY created_at DESC, kid LIMIT 1').pluck();
  const rows = (): Row[] => all.all() as Row[];
  if (rows().length === 0) insert.run(await newKeyRow(masterKey));
  let current = loadKey(rows()[0]!, masterKey);
  let seen = writeVersion(db);
  // A rotation by another process is a commit to identity.db: the newest key is looked up again after any write.
  const fresh = (): SigningKey => {
    const version = writeVersion(db);
    if (version === seen) return current;
    seen = version;
    if (newestKid.get() !== current.kid) current = loadKey(rows()[0]!, masterKey);
    return current;
  };
  const published = (): JWK[] => {
    const list = rows();
    return list
      .filter((row, i) => i === 0 || Date.now() - Date.parse(list[i - 1]!.created_at) < keepRetiredMs)
      .map((row) => JSON.parse(row.public_jwk) as JWK);
  };
  return {
    current: fresh,
    jwks: () => ({ keys: published() }),
    rotate: async () => {
      const row = await newKeyRow(masterKey);
      insert.run(row);
      current = loadKey(row, masterKey);
      return row.kid;
    },
  };
};
