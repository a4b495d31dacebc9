/**
 * Per-request access lookups, after authentication: the grants of the tenant's custom roles the
 * token names (so a role's change applies at once), and module licensing (a disabled module's
 * routes answer 403 `module_disabled`, decided by the route prefix, or for the few routes of a
 * module outside it, by `MODULE_ROUTES`).
 */
import type { Middleware } from 'koa';
import { MODULES, type ModuleName } from '../../access/access-directory.js';
import type { Directory } from '../../access/directory.js';
import { assertMayHandOut, ROLES, type Grant } from '../../access/policy.js';
import type { Principal } from '../../access/principal.js';
import { ForbiddenError } from '../../errors.js';
import { principalOf } from '../authenticate.js';

/** A custom role's grant (as the catalogue names it) as the policy reads it. */
export const grantOf = (g: { permission: string; scope: Grant['scope'] }): Grant => ({ pattern: g.permission, scope: g.scope });

/** Own properties only (`Object.fromEntries`), whatever the role's name. */
const customGrants = (directory: Directory, principal: Principal): Record<string, Grant[]> =>
  Object.fromEntries(principal.roles.filter((r) => !Object.hasOwn(ROLES, r)).flatMap((role) => {
    const custom = directory.customRole(principal.tenantId, role);
    return custom ? [[role, custom.grants.map(grantOf)]] : [];
  }));

/** The grants of the tenant's roles named (built-in or custom; an unknown name has none: its command refuses it). */
export const grantsOfRoles = (directory: Directory, tenantId: string, roles: readonly string[]): Grant[] =>
  roles.flatMap((role) => (Object.hasOwn(ROLES, role) ? [...ROLES[role]!]
    : (directory.customRole(tenantId, role)?.grants ?? []).map(grantOf)));

/** Refuses handing out roles whose grants the caller does not hold (see `assertMayHandOut`). */
export const assertMayAssign = (directory: Directory, principal: Principal, roles: readonly string[]): void =>
  assertMayHandOut(principal, grantsOfRoles(directory, principal.tenantId, roles));

/**
 * Refuses acting on a user of the tenant (resetting their password, deactivating them, replacing
 * their roles) who holds more than the caller: taking over such an account would be handing oneself its roles.
 */
export const assertMayManage = (directory: Directory, principal: Principal, userId: string): void => {
  const user = directory.userById(userId);
  if (user?.tenantId === principal.tenantId) assertMayAssign(directory, principal, user.roles);
};

/** Built-in roles need no lookup: only a token naming another role costs a query. */
export const customRoleGate = (directory: Directory): Middleware => async (ctx, next) => {
  const principal = principalOf(ctx.state);
  if (principal.roles.some((r) => !Object.hasOwn(ROLES, r))) ctx.state.principal = { ...principal, customRoles: customGrants(directory, principal) };
  await next();
};

const MODULE_PREFIX = new RegExp(`^/(${MODULES.join('|')})(?:/|$)`);
/** Routes of a module that live outside its prefix: the sales web forms' administration. */
const MODULE_ROUTES: ReadonlyArray<[RegExp, ModuleName]> = [[/^\/api\/admin\/forms(?:\/|$)/, 'sales']];

/** The module a path belongs to, if any: compared lowercased, as the routers match `/SALES/contacts` too. */
export const moduleOfPath = (path: string): ModuleName | undefined => {
  const lower = path.toLowerCase();
  return (MODULE_PREFIX.exec(lower)?.[1] as ModuleName | undefined) ?? MODULE_ROUTES.find(([pattern]) => pattern.test(lower))?.[1];
};

/** Throws 403 `module_disabled` unless the tenant's organization has the module enabled. */
export const assertModuleEnabled = (directory: Pick<Directory, 'modulesOf'>, tenantId: string, module: ModuleName): void => {
  if (!directory.modulesOf(tenantId)[module]) {
    throw new ForbiddenError('module_disabled', `The ${module} module is not enabled for your organization`, { module });
  }
};

export const moduleGate = (directory: Directory): Middleware => async (ctx, next) => {
  const module = moduleOfPath(ctx.path);
  if (module) assertModuleEnabled(directory, principalOf(ctx.state).tenantId, module);
  await next();
};
