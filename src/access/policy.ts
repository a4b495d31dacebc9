/**
 * The access policy, in one place (design §6): permissions `module.resource:action` granted by
 * roles (RBAC), each grant scoped to all the tenant's records or to the actor's own (ABAC on
 * `ownerId`). Deny by default. Commands ask `authorize`; queries ask `rowScope` for a row filter.
 */
import { ForbiddenError } from '../errors.js';
import type { Principal } from './principal.js';

export type Scope = 'all' | 'own';
export type Grant = { pattern: string; scope: Scope };

const all = (...patterns: string[]): Grant[] => patterns.map((pattern) => ({ pattern, scope: 'all' }));
const own = (...patterns: string[]): Grant[] => patterns.map((pattern) => ({ pattern, scope: 'own' }));

/** What a sales rep writes: every sales record but targets, whose quotas their managers set. */
const REP_WRITES = ['accounts', 'contacts', 'leads', 'opportunities', 'quotes', 'activities'];
const repWrites = (action: string): string[] => REP_WRITES.map((resource) => `sales.${resource}:${action}`);

/** The built-in roles. A permission pattern may use `*` for a whole segment. */
export const ROLES: Readonly<Record<string, readonly Grant[]>> = {
  platform_admin: all('platform.*:*', 'audit.*:read', 'compliance.*:*'),
  tenant_admin: all('sales.*:*', 'marketing.*:*', 'support.*:*', 'admin.*:*', 'audit.*:read', 'compliance.*:*'),
  sales_manager: all('sales.*:*'),
  sales_rep: [...all('sales.*:read', ...repWrites('create')), ...own(...repWrites('update'), ...repWrites('archive'))],
  marketer: [...all('marketing.*:*', 'sales.contacts:read', 'sales.leads:*')],
  support_agent: [...all('support.*:read', 'support.*:create', 'sales.contacts:read'), ...own('support.*:update')],
  support_manager: all('support.*:*', 'sales.contacts:read'),
  auditor: all('sales.*:read', 'marketing.*:read', 'support.*:read', 'audit.*:read', 'compliance.*:read'),
};

const matches = (pattern: string, permission: string): boolean => {
  const want = permission.split(/[.:]/);
  const have = pattern.split(/[.:]/);
  return have.length === want.length && have.every((part, i) => part === '*' || part === want[i]);
};

/** `record[key]` if the record holds it itself: a role name is input, and `constructor` must not find `Object`. */
const ownEntry = <T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined =>
  (record && Object.hasOwn(record, key) ? record[key] : undefined);

/** A built-in role's grants, else the tenant's custom role's (resolved per request, see `http/identity/access-gates.ts`). */
const roleGrants = (principal: Principal, role: string): readonly Grant[] =>
  ownEntry(ROLES, role) ?? ownEntry(principal.customRoles, role) ?? [];

const grantsOf = (principal: Principal, permission: string): Grant[] =>
  principal.roles.flatMap((role) => roleGrants(principal, role)).filter((g) => matches(g.pattern, permission));

const scopeOf = (grants: readonly Grant[]): Scope | 'none' => {
  if (grants.some((g) => g.scope === 'all')) return 'all';
  return grants.length > 0 ? 'own' : 'none';
};

/** Scopes of principals holding built-in roles only (they never change), by roles and permission: asked on every request. */
const builtInScopes = new Map<string, Scope | 'none'>();
const MAX_MEMO = 10_000;

/** How far the principal may exercise `permission`: on every record, on their own, or not at all. */
export const rowScope = (principal: Principal, permission: string): Scope | 'none' => {
  if (!principal.roles.every((role) => Object.hasOwn(ROLES, role))) return scopeOf(grantsOf(principal, permission));
  const key = `${principal.roles.join(',')}|${permission}`;
  let scope = builtInScopes.get(key);
  if (scope === undefined) {
    if (builtInScopes.size >= MAX_MEMO) builtInScopes.clear();
    builtInScopes.set(key, (scope = scopeOf(grantsOf(principal, permission))));
  }
  return scope;
};

/** `held` covers `wanted` when every permission `wanted` names is one `held` names, at a scope as wide. */
const covers = (held: Grant, wanted: Grant): boolean => {
  const [have, want] = [held.pattern.split(/[.:]/), wanted.pattern.split(/[.:]/)];
  return have.length === want.length && have.every((part, i) => part === '*' || part === want[i]) && (held.scope === 'all' || wanted.scope === 'own');
};

/**
 * Refuses (403 `grant_not_held`) handing out a grant the principal does not hold itself (a role to
 * a user or a client, grants to a custom role): whoever administers users cannot make anyone,
 * themselves included, more powerful than they are.
 */
export const assertMayHandOut = (principal: Principal, grants: readonly Grant[]): void => {
  const held = principal.roles.flatMap((role) => roleGrants(principal, role));
  const missing = grants.filter((wanted) => !held.some((grant) => covers(grant, wanted)));
  if (missing.length === 0) return;
  const permissions = [...new Set(missing.map((g) => g.pattern))];
  throw new ForbiddenError('grant_not_held', `You cannot hand out what you do not hold: ${permissions.join(', ')}`, { permissions });
};

/**
 * Refuses (403 `forbidden`) unless a role grants `permission`, on this record when the grant is
 * limited to the actor's own records (`record.ownerId`).
 */
export const authorize = (principal: Principal, permission: string, record?: { ownerId: string | null }): void => {
  const scope = rowScope(principal, permission);
  if (scope === 'all' || (scope === 'own' && (record === undefined || record.ownerId === principal.actorId))) return;
  throw new ForbiddenError('forbidden', `Not allowed: ${permission}`, { permission });
};
