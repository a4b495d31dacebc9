/**
 * The OAuth sessions a tenant admin sees and revokes: each grant (one user's sign-in to one
 * client, the family of its refresh tokens) with when it began and when its refresh token last
 * rotated. Read by scanning the provider's storage (SQLite or Redis): fine for an admin screen,
 * linear in the platform's live grants. Revoking deletes the grant, its tokens and the browser
 * sessions holding it, so its refresh token fails at once; the storage records the grant revoked,
 * so its access tokens are refused at once too (`revoked-grants.ts`).
 * An erased user's account is forgotten: every entry naming it, or carrying their email as a
 * sign-in's `login_hint`, is deleted, expired ones included.
 */
import type Database from 'better-sqlite3';
import type { Redis } from 'ioredis';
import type { AdapterFactory, AdapterPayload } from 'oidc-provider';
import { oauthKeyPrefix } from './redis-adapter.js';

type StoredEntry = { id: string; payload: AdapterPayload };
/** The live entries of one provider model (with `expired`, those expired but not yet swept too). */
export type EntryScan = (model: string, options?: { expired?: boolean }) => Promise<StoredEntry[]>;

export type OAuthSession = { id: string; userId: string; clientId: string; createdAt: string; lastUsedAt: string };

export const sqliteEntries = (db: Database.Database): EntryScan => {
  const select = db.prepare('SELECT id, payload FROM oauth_entries WHERE model = ? AND (expires_at IS NULL OR expires_at > ?)');
  return async (model, options) => (select.all(model, options?.expired ? 0 : Math.floor(Date.now() / 1000)) as { id: string; payload: string }[])
    .map((row) => ({ id: row.id, payload: JSON.parse(row.payload) as AdapterPayload }));
};

/** The entries in `redis` under the deployment's key prefix (`REDIS_KEY_PREFIX`: letters, digits, `-_.:`, no glob characters). */
export const redisEntries = (redis: Redis, keyPrefix: string): EntryScan => async (model) => {
  const prefix = `${oauthKeyPrefix(keyPrefix)}${model}:`;
  const keys: string[] = [];
  for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 500 })) keys.push(...(batch as string[]));
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return keys.flatMap((key, i) => (values[i] ? [{ id: key.slice(prefix.length), payload: JSON.parse(values[i]!) as AdapterPayload }] : []));
};

const iso = (seconds: unknown): string => new Date(Number(seconds ?? 0) * 1000).toISOString();

/** The latest `iat` among each grant's refresh tokens (rotation writes a new one each time). */
const lastRotations = (tokens: StoredEntry[]): Map<string, number> => {
  const last = new Map<string, number>();
  for (const { payload } of tokens) {
    if (payload.grantId) last.set(payload.grantId, Math.max(last.get(payload.grantId) ?? 0, Number(payload.iat ?? 0)));
  }
  return last;
};

const holdsGrant = (session: AdapterPayload, grantId: string): boolean =>
  Object.values((session.authorizations ?? {}) as Record<string, { grantId?: string }>).some((a) => a.grantId === grantId);

/** The live grants of the accounts `owns` accepts, oldest first. */
const listGrants = async (scan: EntryScan, owns: (accountId: string) => boolean): Promise<OAuthSession[]> => {
  const grants = (await scan('Grant')).filter((e) => typeof e.payload.accountId === 'string' && owns(e.payload.accountId));
  const rotated = lastRotations(await scan('RefreshToken'));
  return grants
    .map(({ id, payload }) => ({
      id, userId: payload.accountId!, clientId: String(payload.clientId), createdAt: iso(payload.iat),
      lastUsedAt: iso(Math.max(Number(payload.iat ?? 0), rotated.get(id) ?? 0)),
    }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
};

/** The models whose entries may name an account or hold an authorization request's parameters. */
const ACCOUNT_MODELS = ['Interaction', 'PushedAuthorizationRequest', 'Session', 'Grant', 'AuthorizationCode', 'RefreshToken', 'AccessToken'];

type Fields = {
  accountId?: unknown; params?: { login_hint?: unknown }; session?: { accountId?: unknown };
  result?: { login?: { accountId?: unknown } }; request?: unknown;
};

/** A pushed request keeps its parameters as an unsecured JWT. */
const requestParams = (request: unknown): Fields['params'] => {
  if (typeof request !== 'string') return undefined;
  try {
    return JSON.parse(Buffer.from(request.split('.')[1] ?? '', 'base64url').toString('utf8')) as Fields['params'];
  } catch {
    return undefined;
  }
};

/** Whether the entry is the account's (its own, its interaction's session or login result) or hints at their email. */
const namesAccount = (payload: AdapterPayload, accountId: string, isTheirEmail: (hint: string) => boolean): boolean => {
  const entry = payload as Fields;
  if ([entry.accountId, entry.session?.accountId, entry.result?.login?.accountId].includes(accountId)) return true;
  const hint = entry.params?.login_hint ?? requestParams(entry.request)?.login_hint;
  return typeof hint === 'string' && isTheirEmail(hint);
};

export const oauthSessions = (adapter: AdapterFactory, scan: EntryScan) => {
  const destroySessions = async (which: (session: AdapterPayload) => boolean): Promise<void> => {
    for (const session of (await scan('Session')).filter((s) => which(s.payload))) await adapter('Session').destroy(session.id);
  };
  const revoke = async (grantId: string): Promise<void> => {
    for (const model of ['RefreshToken', 'AuthorizationCode', 'AccessToken']) await adapter(model).revokeByGrantId(grantId);
    await adapter('Grant').destroy(grantId);
    await destroySessions((session) => holdsGrant(session, grantId));
  };
  /** Revokes every grant and browser session of the account (it must sign in again); answers how many grants. */
  const revokeAccount = async (accountId: string): Promise<number> => {
    const grants = await listGrants(scan, (id) => id === accountId);
    for (const grant of grants) await revoke(grant.id);
    await destroySessions((session) => session.accountId === accountId);
    return grants.length;
  };
  /** Revokes the account, then deletes every entry naming it or whose `login_hint` `isTheirEmail` recognizes. */
  const forgetAccount = async (accountId: string, isTheirEmail: (hint: string) => boolean): Promise<void> => {
    await revokeAccount(accountId);
    for (const model of ACCOUNT_MODELS) {
      const entries = (await scan(model, { expired: true })).filter((e) => namesAccount(e.payload, accountId, isTheirEmail));
      for (const entry of entries) await adapter(model).destroy(entry.id);
    }
  };
  return { list: (owns: (accountId: string) => boolean) => listGrants(scan, owns), revoke, revokeAccount, forgetAccount };
};

export type OAuthSessions = ReturnType<typeof oauthSessions>;
