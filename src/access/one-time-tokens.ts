/**
 * Single-use tokens for invitations and password resets, in `identity.db`: only their SHA-256 is
 * kept (they are 256-bit random, so a fast hash suffices), each with its purpose, user and expiry.
 * Redeeming marks it used in the same statement that checks it, so it works once.
 */
import type Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS directory_tokens (
  token_hash TEXT PRIMARY KEY, purpose TEXT NOT NULL, user_id TEXT NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER
);
CREATE INDEX IF NOT EXISTS directory_tokens_user ON directory_tokens (user_id);
`;

export type TokenPurpose = 'invitation' | 'password_reset';

const hashOf = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** A new random token (answer it once) and its hash (store it). */
export const newOneTimeToken = (): { token: string; hash: string } => {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashOf(token) };
};

export const openOneTimeTokens = (db: Database.Database) => {
  db.exec(SCHEMA);
  const insert = db.prepare('INSERT INTO directory_tokens (token_hash, purpose, user_id, expires_at) VALUES (?, ?, ?, ?)');
  const redeem = db.prepare(`UPDATE directory_tokens SET used_at = ? WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?
    RETURNING user_id`);
  const dropOthers = db.prepare('DELETE FROM directory_tokens WHERE user_id = ? AND purpose = ? AND used_at IS NULL');
  const dropAll = db.prepare('DELETE FROM directory_tokens WHERE user_id = ?');
  const password = db.prepare("UPDATE directory_users SET password_hash = ?, status = 'active' WHERE user_id = ? AND status = ?");
  return {
    /** Stores a token's hash; earlier unused tokens of the same user and purpose stop working. */
    putToken: (hash: string, purpose: TokenPurpose, userId: string, expiresAt: Date): void => {
      dropOthers.run(userId, purpose);
      insert.run(hash, purpose, userId, expiresAt.getTime());
    },
    /** The user the token was issued for, once; `undefined` when unknown, used, expired or for another purpose. */
    redeemToken: (token: string, purpose: TokenPurpose, now: Date): string | undefined =>
      (redeem.get(now.getTime(), hashOf(token), purpose, now.getTime()) as { user_id: string } | undefined)?.user_id,
    /** Every token of the user stops working (they were deactivated or erased). */
    dropTokensOf: (userId: string): void => void dropAll.run(userId),
    /**
     * Sets the password of a user still `from` (invited, or active) and makes them active; false, and
     * nothing written, when they left that status meanwhile (deactivated, erased).
     */
    setPasswordWhile: (userId: string, passwordHash: string, from: 'invited' | 'active'): boolean => password.run(passwordHash, userId, from).changes === 1,
  };
};

export type OneTimeTokens = ReturnType<typeof openOneTimeTokens>;
