/**
 * Composition of identity for the server: the directory, the OAuth storage (Redis when
 * `REDIS_URL` is set, else `identity.db`), the provider with its login interaction, and the
 * platform super admin from `CRM_ADMIN_EMAIL`/`CRM_ADMIN_PASSWORD` on first start; the sessions
 * view over the OAuth storage and the public invitation and reset routes.
 */
import type Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { openDirectory, type Directory } from '../../access/directory.js';
import { loginBackoff } from '../../access/login-backoff.js';
import { createOAuthProvider } from '../../access/oauth/provider.js';
import { redisAdapter } from '../../access/oauth/redis-adapter.js';
import { sqliteAdapter } from '../../access/oauth/sqlite-adapter.js';
import { currentPrivateJwk, type SigningKeys } from '../../access/signing-keys.js';
import { emailHashOf, ensurePlatformAdmin } from '../../commands/identity/accounts.js';
import type { CommandDeps } from '../../commands/handle.js';
import type { Config } from '../../config.js';
import { oauthRoutes } from './oauth.js';
import { publicIdentityRoutes } from './public.js';
import { oauthSessions, redisEntries, sqliteEntries, type OAuthSessions } from '../../access/oauth/sessions.js';
import type Router from '@koa/router';

export type IdentityDeps = CommandDeps & {
  config: Config; identityDb: Database.Database; masterKey: Buffer; logger: Logger; signingKeys: SigningKeys;
};

export type Identity = {
  directory: Directory; oauth: Middleware[]; close: () => Promise<void>;
  /** The OAuth sessions (grants) in the provider's storage, for `/api/admin/sessions`. */
  sessions: OAuthSessions;
  /** Invitation acceptance and password resets (`/api/public/…`). */
  publicRoutes: Router;
  /** Closes the account of an erased user of the tenant (nothing when the subject is no user there). */
  forgetAccount: (tenantId: string, subjectId: string) => Promise<void>;
};

/** Opens identity; call after `openSigningKeys` (the provider signs with the current key). */
export const openIdentity = async (deps: IdentityDeps): Promise<Identity> => {
  const { config, identityDb, keyStore, masterKey } = deps;
  const directory = openDirectory(identityDb);
  const redis = config.redisUrl ? new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 }) : undefined;
  const storage = redis ? redisAdapter(redis) : sqliteAdapter(identityDb);
  const sessions = oauthSessions(storage, redis ? redisEntries(redis) : sqliteEntries(identityDb));
  const provider = createOAuthProvider({
    issuer: config.publicUrl,
    webRedirectUris: config.webRedirectUris,
    signingJwk: currentPrivateJwk(identityDb, masterKey),
    adapter: storage,
    directory,
    masterKey,
  });
  provider.on('server_error', (_ctx: unknown, error: Error) => deps.logger.error({ err: error }, 'oauth server error'));
  if (config.admin) {
    const outcome = await ensurePlatformAdmin({ ...deps, directory }, config.admin, new Date());
    if (outcome.created) deps.logger.info({ userId: outcome.userId }, 'platform super admin created');
  }
  const login = { directory, backoff: loginBackoff(), emailHash: (email: string) => emailHashOf(keyStore, email) };
  return {
    directory,
    oauth: oauthRoutes({ provider, login, jwks: () => deps.signingKeys.jwks() }),
    sessions,
    publicRoutes: publicIdentityRoutes({ ...deps, directory, clock: () => new Date(), revokeSessionsOf: sessions.revokeAccount }),
    forgetAccount: async (tenantId, subjectId) => {
      if (directory.userById(subjectId)?.tenantId !== tenantId) return;
      directory.forgetUser(subjectId);
      await sessions.revokeAccount(subjectId);
    },
    close: async () => void (await redis?.quit()),
  };
};
