/**
 * What the policy and the module gate look up per request, in `identity.db` beside the directory:
 * each tenant's custom roles (their grants), each tenant's licensed modules (no row: every module
 * enabled), and users' role assignments. The log stays the record; these tables follow it.
 */
import type Database from 'better-sqlite3';
import type { Scope } from './policy.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS directory_roles (
  tenant_id TEXT NOT NULL, name TEXT NOT NULL, grants TEXT NOT NULL, PRIMARY KEY (tenant_id, name)
);
CREATE TABLE IF NOT EXISTS directory_modules (tenant_id TEXT PRIMARY KEY, modules TEXT NOT NULL);
`;

export type RoleGrant = { permission: string; scope: Scope };
export type CustomRole = { name: string; grants: RoleGrant[] };
export const MODULES = ['sales', 'marketing', 'support'] as const;
export type ModuleName = (typeof MODULES)[number];
export type ModuleSet = Record<ModuleName, boolean>;

export const ALL_MODULES: Readonly<ModuleSet> = { sales: true, marketing: true, support: true };

type RoleRow = { name: string; grants: string };
const roleOf = (row: RoleRow): CustomRole => ({ name: row.name, grants: JSON.parse(row.grants) as RoleGrant[] });

const roleTables = (db: Database.Database) => {
  const put = db.prepare(`INSERT INTO directory_roles (tenant_id, name, grants) VALUES (?, ?, ?)
    ON CONFLICT (tenant_id, name) DO UPDATE SET grants = excluded.grants`);
  const drop = db.prepare('DELETE FROM directory_roles WHERE tenant_id = ? AND name = ?');
  const one = db.prepare('SELECT name, grants FROM directory_roles WHERE tenant_id = ? AND name = ?');
  const all = db.prepare('SELECT name, grants FROM directory_roles WHERE tenant_id = ? ORDER BY name');
  const userRoles = db.prepare('UPDATE directory_users SET roles = ? WHERE user_id = ?');
  const holders = db.prepare(`SELECT user_id FROM directory_users WHERE tenant_id = ? AND status = 'active'
    AND EXISTS (SELECT 1 FROM json_each(directory_users.roles) WHERE value = ?)`).pluck();
  return {
    putRole: (tenantId: string, role: CustomRole): void => void put.run(tenantId, role.name, JSON.stringify(role.grants)),
    dropRole: (tenantId: string, name: string): void => void drop.run(tenantId, name),
    customRole: (tenantId: string, name: string): CustomRole | undefined => {
      const row = one.get(tenantId, name) as RoleRow | undefined;
      return row && roleOf(row);
    },
    customRoles: (tenantId: string): CustomRole[] => (all.all(tenantId) as RoleRow[]).map(roleOf),
    /** Takes effect from the user's next access token (tokens carry role names). */
    setUserRoles: (userId: string, roles: readonly string[]): void => void userRoles.run(JSON.stringify(roles), userId),
    /** The ids of the tenant's active users holding `role` (scans the tenant's users: asked before a demotion or deactivation only). */
    activeHoldersOf: (tenantId: string, role: string): string[] => holders.all(tenantId, role) as string[],
  };
};

const moduleTables = (db: Database.Database) => {
  const put = db.prepare(`INSERT INTO directory_modules (tenant_id, modules) VALUES (?, ?)
    ON CONFLICT (tenant_id) DO UPDATE SET modules = excluded.modules`);
  const one = db.prepare('SELECT modules FROM directory_modules WHERE tenant_id = ?');
  return {
    putModules: (tenantId: string, modules: ModuleSet): void => void put.run(tenantId, JSON.stringify(modules)),
    modulesOf: (tenantId: string): ModuleSet => {
      const row = one.get(tenantId) as { modules: string } | undefined;
      return row ? { ...ALL_MODULES, ...(JSON.parse(row.modules) as Partial<ModuleSet>) } : { ...ALL_MODULES };
    },
  };
};

export type AccessDirectory = ReturnType<typeof roleTables> & ReturnType<typeof moduleTables>;

/** Opens the tables (after the directory's own: role assignments update `directory_users`). */
export const openAccessDirectory = (db: Database.Database): AccessDirectory => {
  db.exec(SCHEMA);
  return { ...roleTables(db), ...moduleTables(db) };
};
