/**
 * The identity directory in `identity.db`: what login and the API gate must look up fast, kept
 * beside the event log (the log stays the record of what happened). Tenants with their status;
 * users by the keyed hash of their email (never the email itself) with their password hash,
 * roles and status. Emails are unique across the platform (UNIQUE on the hash). Integration
 * clients with the hash of their secret.
 */
import type Database from 'better-sqlite3';
import { ConflictError } from '../errors.js';
import { openAccessDirectory, type AccessDirectory } from './access-directory.js';
import { openOneTimeTokens, type OneTimeTokens } from './one-time-tokens.js';
import { memoUntilWrite } from '../sqlite-memo.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS directory_tenants (
  tenant_id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS directory_users (
  user_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, email_hash TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL, roles TEXT NOT NULL, status TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS directory_users_tenant ON directory_users (tenant_id);
CREATE TABLE IF NOT EXISTS directory_clients (
  client_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, secret_hash TEXT NOT NULL, roles TEXT NOT NULL, status TEXT NOT NULL
);
`;

export type TenantStatus = 'active' | 'suspended';
/** `pending`: reserved while its events are being appended; `invited`: no password yet. Neither may log in. */
export type UserStatus = 'pending' | 'invited' | 'active' | 'deactivated';

export type TenantEntry = { tenantId: string; name: string; status: TenantStatus; createdAt: string };
export type UserEntry = { userId: string; tenantId: string; emailHash: string; passwordHash: string; roles: string[]; status: UserStatus };

export type ClientEntry = { clientId: string; tenantId: string; secretHash: string; roles: string[]; status: 'active' | 'revoked' };

type ClientRow = { client_id: string; tenant_id: string; secret_hash: string; roles: string; status: ClientEntry['status'] };

const clientOf = (row: ClientRow | undefined): ClientEntry | undefined =>
  row && { clientId: row.client_id, tenantId: row.tenant_id, secretHash: row.secret_hash, roles: JSON.parse(row.roles) as string[], status: row.status };

type UserRow = { user_id: string; tenant_id: string; email_hash: string; password_hash: string; roles: string; status: UserStatus };
type TenantRow = { tenant_id: string; name: string; status: TenantStatus; created_at: string };

const userOf = (row: UserRow | undefined): UserEntry | undefined =>
  row && {
    userId: row.user_id, tenantId: row.tenant_id, emailHash: row.email_hash, passwordHash: row.password_hash,
    roles: JSON.parse(row.roles) as string[], status: row.status,
  };

const tenantOf = (row: TenantRow): TenantEntry => ({ tenantId: row.tenant_id, name: row.name, status: row.status, createdAt: row.created_at });

const isUniqueViolation = (error: unknown): boolean => (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';

const userDirectory = (db: Database.Database) => {
  const insert = db.prepare(`INSERT INTO directory_users (user_id, tenant_id, email_hash, password_hash, roles, status)
    VALUES (@userId, @tenantId, @emailHash, @passwordHash, @roles, 'pending')`);
  const byEmail = db.prepare('SELECT * FROM directory_users WHERE email_hash = ?');
  const byId = db.prepare('SELECT * FROM directory_users WHERE user_id = ?');
  const status = db.prepare('UPDATE directory_users SET status = ? WHERE user_id = ?');
  const drop = db.prepare("DELETE FROM directory_users WHERE user_id = ? AND status = 'pending'");
  const forget = db.prepare("UPDATE directory_users SET email_hash = 'erased:' || user_id, password_hash = '', status = 'deactivated' WHERE user_id = ?");
  const page = db.prepare("SELECT user_id FROM directory_users WHERE tenant_id = ? AND user_id > ? AND status != 'pending' ORDER BY user_id LIMIT ?").pluck();
  return {
    /** Reserves the email for a new user (status `pending`); 409 `email_taken` when another user has it. */
    reserveUser: (user: Omit<UserEntry, 'status'>): void => {
      try {
        insert.run({ ...user, roles: JSON.stringify(user.roles) });
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError('email_taken', 'A user with this email exists');
        throw error;
      }
    },
    /** Drops a reservation whose events could not be appended. */
    releaseUser: (userId: string): void => void drop.run(userId),
    setUserStatus: (userId: string, next: UserStatus): void => void status.run(next, userId),
    /**
     * An erased user: their email's hash leaves the directory (nobody can sign in with it, and it
     * may be given to a new user), their password hash is dropped and the account is deactivated.
     */
    forgetUser: (userId: string): void => void forget.run(userId),
    userByEmailHash: (emailHash: string): UserEntry | undefined => userOf(byEmail.get(emailHash) as UserRow | undefined),
    userById: (userId: string): UserEntry | undefined => userOf(byId.get(userId) as UserRow | undefined),
    /** Up to `limit` ids of the tenant's users after `afterId`, by id (reservations left out). */
    userIdsOf: (tenantId: string, afterId: string, limit: number): string[] => page.all(tenantId, afterId, limit) as string[],
  };
};

const tenantDirectory = (db: Database.Database) => {
  const upsert = db.prepare(`INSERT INTO directory_tenants (tenant_id, name, status, created_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (tenant_id) DO UPDATE SET name = excluded.name, status = excluded.status`);
  const status = db.prepare('UPDATE directory_tenants SET status = ? WHERE tenant_id = ?');
  const one = db.prepare('SELECT * FROM directory_tenants WHERE tenant_id = ?');
  const all = db.prepare('SELECT * FROM directory_tenants ORDER BY created_at, tenant_id');
  return {
    putTenant: (entry: TenantEntry): void => void upsert.run(entry.tenantId, entry.name, entry.status, entry.createdAt),
    setTenantStatus: (tenantId: string, next: TenantStatus): void => void status.run(next, tenantId),
    tenant: (tenantId: string): TenantEntry | undefined => {
      const row = one.get(tenantId) as TenantRow | undefined;
      return row && tenantOf(row);
    },
    tenants: (): TenantEntry[] => (all.all() as TenantRow[]).map(tenantOf),
  };
};

const clientDirectory = (db: Database.Database) => {
  const upsert = db.prepare(`INSERT INTO directory_clients (client_id, tenant_id, secret_hash, roles, status)
    VALUES (@clientId, @tenantId, @secretHash, @roles, @status) ON CONFLICT (client_id) DO UPDATE SET status = excluded.status`);
  const one = db.prepare('SELECT * FROM directory_clients WHERE client_id = ?');
  const page = db.prepare('SELECT client_id FROM directory_clients WHERE tenant_id = ? AND client_id > ? ORDER BY client_id LIMIT ?').pluck();
  return {
    putClient: (entry: ClientEntry): void => void upsert.run({ ...entry, roles: JSON.stringify(entry.roles) }),
    client: (clientId: string): ClientEntry | undefined => clientOf(one.get(clientId) as ClientRow | undefined),
    /** Up to `limit` ids of the tenant's integration clients after `afterId`, by id. */
    clientIdsOf: (tenantId: string, afterId: string, limit: number): string[] => page.all(tenantId, afterId, limit) as string[],
  };
};

export type Directory = ReturnType<typeof userDirectory> & ReturnType<typeof tenantDirectory> & ReturnType<typeof clientDirectory>
  & AccessDirectory & OneTimeTokens;

/** The lookups every API request makes (its gates), memoized until `identity.db` is next written. */
const memoized = (db: Database.Database, directory: Directory): Directory => {
  const memo = memoUntilWrite<unknown>(db, 4_096);
  const once = <A extends string[], R>(name: string, read: (...args: A) => R) =>
    (...args: A): R => memo(JSON.stringify([name, ...args]), () => deepFreeze(read(...args))) as R;
  return {
    ...directory,
    tenant: once('tenant', directory.tenant),
    userById: once('userById', directory.userById),
    client: once('client', directory.client),
    modulesOf: once('modulesOf', directory.modulesOf),
    customRole: once('customRole', directory.customRole),
  };
};

/** Shared memoized values must not be changed by a caller. */
const deepFreeze = <T>(value: T): T => {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
};

/**
 * A user who leaves (deactivated, or erased: see `forgetUser`) takes their outstanding invitation and
 * reset links along, so a link cannot reopen the account or set a password on it.
 */
const linksLeavingWith = (db: Database.Database, users: ReturnType<typeof userDirectory>, tokens: OneTimeTokens) => ({
  setUserStatus: db.transaction((userId: string, next: UserStatus) => {
    users.setUserStatus(userId, next);
    if (next === 'deactivated') tokens.dropTokensOf(userId);
  }),
  forgetUser: db.transaction((userId: string) => {
    users.forgetUser(userId);
    tokens.dropTokensOf(userId);
  }),
});

/** Opens (creating when needed) the directory tables in `identity.db`. */
export const openDirectory = (db: Database.Database): Directory => {
  db.exec(SCHEMA);
  const users = userDirectory(db);
  const tokens = openOneTimeTokens(db);
  const directory = { ...users, ...tenantDirectory(db), ...clientDirectory(db), ...openAccessDirectory(db), ...tokens };
  return memoized(db, { ...directory, ...linksLeavingWith(db, users, tokens) });
};
