/**
 * The grants revoked lately, so that their access tokens (JWTs, checked by signature) are refused
 * from the next request on rather than running until they expire. Every revocation goes through
 * the storage's `revokeByGrantId` (the provider on a reused code or refresh token and on RFC 7009
 * revocation; the sessions admin; a password reset; an erasure) or is a reuse its `consume`
 * refuses (requests that arrive together, see `reuse.ts`): `recordingRevocations` records
 * the grant there, once for every process. A grant is remembered until no token of it can still
 * be unexpired. The verifier asks `isRevoked` on every request: an in-memory lookup.
 * Here: the set in `identity.db` (no Redis); `revoked-grants-redis.ts`: the set shared through Redis.
 */
import type Database from 'better-sqlite3';
import type { AdapterFactory } from 'oidc-provider';
import { othersVersion } from '../../sqlite-memo.js';
import { ACCESS_TOKEN_TTL_SECONDS } from '../tokens.js';
import { GRANTABLE, reusedGrantOf } from './reuse.js';

/** Revoked grants, as every API process sharing the OAuth storage sees them. */
export type RevokedGrants = {
  /** Records the grant revoked, here at once and for the other processes once it resolves. */
  revoke: (grantId: string) => Promise<void>;
  /** Whether the grant was revoked: a lookup in memory, never I/O beyond a cached version check. */
  isRevoked: (grantId: string) => boolean;
  close: () => Promise<void>;
};

/**
 * How long a revocation is kept: an access token's life, plus a minute for one issued by a token
 * request that was already running when the grant was revoked (and for clocks that differ a little).
 */
export const REVOKED_GRANT_SECONDS = ACCESS_TOKEN_TTL_SECONDS + 60;

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Grant ids with the time (epoch seconds) until which they are kept; expired ones are dropped on additions. */
export const revokedSet = () => {
  const until = new Map<string, number>();
  const add = (grantId: string, expiresAt: number): void => {
    until.set(grantId, Math.max(until.get(grantId) ?? 0, expiresAt));
  };
  return {
    add: (entries: Iterable<readonly [string, number]>): void => {
      const now = nowSeconds();
      for (const [grantId, expiresAt] of until) if (expiresAt <= now) until.delete(grantId);
      for (const [grantId, expiresAt] of entries) if (expiresAt > now) add(grantId, expiresAt);
    },
    has: (grantId: string): boolean => until.has(grantId),
  };
};

/** Records the grant revoked, then deletes its entries of every model and the grant itself. */
const revokeGrant = async (storage: AdapterFactory, grants: RevokedGrants, grantId: string): Promise<void> => {
  await grants.revoke(grantId);
  await Promise.all([...GRANTABLE].map((model) => storage(model).revokeByGrantId(grantId)));
  await storage('Grant').destroy(grantId);
};

/**
 * The provider's storage, but revoking a grant's entries (`revokeByGrantId`, whoever calls it)
 * first records the grant revoked, so that its access tokens are refused even if the deletion fails;
 * and a code or refresh token consumed again (requests that arrive together) revokes its grant
 * the same way before it is refused.
 */
export const recordingRevocations = (storage: AdapterFactory, grants: RevokedGrants): AdapterFactory => (model) => {
  const adapter = storage(model);
  return {
    ...adapter,
    consume: async (id) => {
      try {
        await adapter.consume(id);
      } catch (error) {
        const grantId = reusedGrantOf(error);
        if (grantId) await revokeGrant(storage, grants, grantId);
        throw error;
      }
    },
    revokeByGrantId: async (grantId) => {
      await grants.revoke(grantId);
      await adapter.revokeByGrantId(grantId);
    },
  };
};

const SCHEMA = 'CREATE TABLE IF NOT EXISTS oauth_revoked_grants (grant_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)';

/**
 * The revoked grants in `identity.db`. A revocation by this process is in its set at once; one by
 * another process (sharing the file) is read back when `PRAGMA data_version` moves, from the next
 * turn of the event loop on (see `src/sqlite-memo.ts`). Expired rows are deleted by the next revocation.
 */
export const sqliteRevokedGrants = (db: Database.Database): RevokedGrants => {
  db.exec(SCHEMA);
  const put = db.prepare(`INSERT INTO oauth_revoked_grants (grant_id, expires_at) VALUES (?, ?)
    ON CONFLICT (grant_id) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)`);
  const forget = db.prepare('DELETE FROM oauth_revoked_grants WHERE expires_at <= ?');
  const live = db.prepare('SELECT grant_id, expires_at FROM oauth_revoked_grants WHERE expires_at > ?').raw();
  const known = revokedSet();
  let seen: number | undefined;
  return {
    revoke: async (grantId) => {
      const expiresAt = nowSeconds() + REVOKED_GRANT_SECONDS;
      known.add([[grantId, expiresAt]]);
      db.transaction(() => {
        forget.run(nowSeconds());
        put.run(grantId, expiresAt);
      }).immediate();
    },
    isRevoked: (grantId) => {
      const version = othersVersion(db);
      if (version !== seen) {
        seen = version;
        known.add(live.all(nowSeconds()) as [string, number][]);
      }
      return known.has(grantId);
    },
    close: async () => undefined,
  };
};
