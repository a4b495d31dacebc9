/**
 * Composition of identity for the server: the directory, the OAuth storage (Redis when
 * `REDIS_URL` is set, else `identity.db`), the provider with its login interaction, and the
 * platform super admin from `CRM_ADMIN_EMAIL`/`CRM_ADMIN_PASSWORD` on first start; the sessions
 * view over the OAuth storage, the revoked grants beside it (whose access tokens the API refuses)
 * and the public invitation and reset routes.
 */
import type Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { openDirectory, type Directory } from '../../access/directory.js';
import { loginBackoff } from '../../access/login-backoff.js';
import { memoryBackoffStore, redisBackoffStore } from '../../access/login-backoff-store.js';
import { createOAuthProvider } from '../../access/oauth/provider.js';
import { redisAdapter } from '../../access/oauth/redis-adapter.js';
import { sqliteAdapter, sweepExpiredEvery } from '../../access/oauth/sqlite-adapter.js';
import { recordingRevocations, sqliteRevokedGrants } from '../../access/oauth/revoked-grants.js';
import { redisRevokedGrants } from '../../access/oauth/revoked-grants-redis.js';
import type { GrantRevoked } from '../../access/tokens.js';
import { checkpointIdentityDb } from '../../access/identity-db.js';
import { currentPrivateJwk, type SigningKeys } from '../../access/signing-keys.js';
import type { AdapterFactory, Provider } from 'oidc-provider';
import { emailHashOf, ensurePlatformAdmin } from '../../commands/identity/accounts.js';
import type { CommandDeps } from '../../commands/handle.js';
import type { Config } from '../../config.js';
import { ConflictError } from '../../errors.js';
import { oauthRoutes } from './oauth.js';
import { publicIdentityRoutes } from './public.js';
import { oauthSessions, redisEntries, sqliteEntries, type OAuthSessions } from '../../access/oauth/sessions.js';
import type Router from '@koa/router';

const SWEEP_EVERY_MS = 60_000;

export type IdentityDeps = CommandDeps & {
  config: Config; identityDb: Database.Database; masterKey: Buffer; logger: Logger; signingKeys: SigningKeys;
};

export type Identity = {
  directory: Directory; oauth: Middleware[]; close: () => Promise<void>;
  /** The OAuth sessions (grants) in the provider's storage, for `/api/admin/sessions`. */
  sessions: OAuthSessions;
  /** Whether a grant was revoked (by any process sharing the storage): its access tokens are refused. */
  grantRevoked: GrantRevoked;
  /** Invitation acceptance and password resets (`/api/public/…`). */
  publicRoutes: Router;
  /**
   * Closes the account of an erased user of the tenant (nothing when the subject is no user there)
   * and deletes the OAuth entries naming them or their email, leaving it in no file of identity.db.
   */
  forgetAccount: (tenantId: string, subjectId: string) => Promise<void>;
};

/**
 * The provider's storage: Redis when configured, else identity.db, its expired entries swept by a
 * timer. Every revocation of a grant through it is recorded in the revoked grants beside it. The
 * login backoff's counts live in the same Redis (shared by the API replicas), else in memory.
 */
const openOAuthStorage = async (deps: IdentityDeps) => {
  const { config, identityDb, logger } = deps;
  if (config.redisUrl) {
    const redis = new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
    const prefix = config.redisKeyPrefix;
    const revoked = await redisRevokedGrants({
      redis, subscriber: redis.duplicate(), prefix,
      onLost: (err) => logger.warn({ err }, 'revoked OAuth grants: subscription lost; known revocations still refused, others once it is back'),
    });
    const storage = recordingRevocations(redisAdapter(redis, prefix), revoked);
    const backoffStore = redisBackoffStore(redis, prefix);
    const close = async () => {
      await revoked.close();
      await redis.quit();
    };
    return { storage, revoked, backoffStore, sessions: oauthSessions(storage, redisEntries(redis, prefix)), close };
  }
  const revoked = sqliteRevokedGrants(identityDb);
  const storage = recordingRevocations(sqliteAdapter(identityDb), revoked);
  const stopSweeps = sweepExpiredEvery(identityDb, SWEEP_EVERY_MS, (err) => logger.error({ err }, 'expired OAuth entries not swept'));
  return { storage, revoked, backoffStore: memoryBackoffStore(), sessions: oauthSessions(storage, sqliteEntries(identityDb)), close: async () => stopSweeps() };
};

const accountForgetter = (deps: IdentityDeps, directory: Directory, sessions: OAuthSessions): Identity['forgetAccount'] =>
  async (tenantId, subjectId) => {
    const user = directory.userById(subjectId);
    if (user?.tenantId !== tenantId) return;
    // Before the directory forgets their email's hash, so a retry after a crash still recognizes it.
    await sessions.forgetAccount(subjectId, (hint) => emailHashOf(deps.keyStore, hint) === user.emailHash);
    directory.forgetUser(subjectId);
    await sessions.revokeAccount(subjectId); // a sign-in that finished meanwhile
    if (!checkpointIdentityDb(deps.identityDb)) deps.logger.warn({ subjectId }, 'identity.db WAL not checkpointed after an erasure: a reader held it');
  };

/**
 * The provider signing with the current key, built again once another key is current (`keys
 * rotate-signing`, by this process or another): its keystore is fixed when built. A request
 * already handed to the previous provider finishes there, with a key still published.
 */
const currentProvider = (deps: IdentityDeps, directory: Directory, adapter: AdapterFactory): (() => Provider) => {
  const { config, identityDb, masterKey, signingKeys } = deps;
  let built: { kid: string | undefined; provider: Provider } | undefined;
  return () => {
    if (built?.kid === signingKeys.current().kid) return built.provider;
    const signingJwk = currentPrivateJwk(identityDb, masterKey);
    const provider = createOAuthProvider({
      issuer: config.publicUrl, webRedirectUris: config.webRedirectUris, signingJwk, adapter, directory, masterKey, corsOrigins: config.corsOrigins,
    });
    provider.on('server_error', (_ctx: unknown, error: Error) => deps.logger.error({ err: error }, 'oauth server error'));
    built = { kid: signingJwk.kid, provider };
    return provider;
  };
};

/** `CRM_ADMIN_EMAIL`'s super admin; an organization's user holding the email is warned of, not a reason to stop every start. */
const ensureConfiguredAdmin = async (deps: IdentityDeps, directory: Directory, admin: NonNullable<Config['admin']>): Promise<void> => {
  try {
    const outcome = await ensurePlatformAdmin({ ...deps, directory }, admin, new Date());
    if (outcome.created) deps.logger.info({ userId: outcome.userId }, 'platform super admin created');
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    deps.logger.warn({ code: error.code }, `CRM_ADMIN_EMAIL: no platform super admin created: ${error.message}`);
  }
};

/** Opens identity; call after `openSigningKeys` (the provider signs with the current key). */
export const openIdentity = async (deps: IdentityDeps): Promise<Identity> => {
  const { config, keyStore } = deps;
  const directory = openDirectory(deps.identityDb);
  const { storage, revoked, backoffStore, sessions, close } = await openOAuthStorage(deps);
  const provider = currentProvider(deps, directory, storage);
  provider(); // built now: a configuration error stops the start, not the first sign-in
  if (config.admin) await ensureConfiguredAdmin(deps, directory, config.admin);
  const login = { directory, backoff: loginBackoff(backoffStore), emailHash: (email: string) => emailHashOf(keyStore, email) };
  return {
    directory,
    oauth: oauthRoutes({ provider, publicUrl: config.publicUrl, login, jwks: () => deps.signingKeys.jwks() }),
    sessions,
    grantRevoked: revoked.isRevoked,
    publicRoutes: publicIdentityRoutes({ ...deps, directory, clock: () => new Date(), revokeSessionsOf: sessions.revokeAccount }),
    forgetAccount: accountForgetter(deps, directory, sessions),
    close,
  };
};
