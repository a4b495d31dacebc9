/**
 * Custom roles and role assignments as a tenant admin changes them: each through the command
 * handler, then the directory follows. A role's grants are read per request, so redefining or
 * deleting it applies at once; a user's assignment applies from their next access token.
 */
import { ROLES } from '../../access/policy.js';
import { NotFoundError } from '../../errors.js';
import type { RoleGrantData } from '../../events/identity/role.js';
import { handleCommand, type CommandContext, type CommandResult } from '../handle.js';
import { aloneAmongAdminChanges, customRoleNames, otherTenantAdmins, type AccountDeps } from './accounts.js';
import { roleAggregate } from './role.js';
import { userAggregate } from './user.js';

export type RoleDeps = AccountDeps & { assignable: readonly string[] };
export type NewRole = { name: string; description?: string; grants: RoleGrantData[] };
export type RoleChange = { description?: string; grants?: RoleGrantData[] };

const follow = (deps: RoleDeps, tenantId: string, name: string, grants: RoleGrantData[]): void =>
  deps.directory.putRole(tenantId, { name, grants });

export const defineRole = async (deps: RoleDeps, role: NewRole, context: CommandContext): Promise<CommandResult> => {
  const { name, grants } = role;
  const builtIn = Object.hasOwn(ROLES, name);
  const command = { type: 'DefineRole' as const, name, description: role.description ?? '', grants, assignable: deps.assignable, builtIn, at: context.now.toISOString() };
  const result = await handleCommand(deps, roleAggregate, { id: name, command, context });
  follow(deps, context.tenantId, name, grants);
  return result;
};

export const redefineRole = async (deps: RoleDeps, name: string, change: RoleChange, context: CommandContext, ifMatch?: bigint) => {
  const command = { type: 'RedefineRole' as const, ...change, assignable: deps.assignable, at: context.now.toISOString() };
  const result = await handleCommand(deps, roleAggregate, { id: name, command, context, ifMatch });
  const grants = change.grants ?? deps.directory.customRole(context.tenantId, name)?.grants ?? [];
  follow(deps, context.tenantId, name, grants);
  return result;
};

/** Deletes a custom role; users still holding its name get nothing from it (deny by default). */
export const deleteRole = async (deps: RoleDeps, name: string, context: CommandContext): Promise<CommandResult> => {
  const result = await handleCommand(deps, roleAggregate, { id: name, command: { type: 'DeleteRole', at: context.now.toISOString() }, context });
  deps.directory.dropRole(context.tenantId, name);
  return result;
};

/** Replaces the roles of a user of the context's tenant; they apply from the user's next access token. */
export const assignUserRoles = async (deps: AccountDeps, userId: string, roles: string[], context: CommandContext): Promise<CommandResult> => {
  const entry = deps.directory.userById(userId);
  if (!entry || entry.tenantId !== context.tenantId) throw new NotFoundError('No such user');
  const customRoles = customRoleNames(deps, context.tenantId);
  return aloneAmongAdminChanges(context.tenantId, async () => {
    const others = otherTenantAdmins(deps, context.tenantId, userId);
    const command = { type: 'AssignRoles' as const, roles, tenantId: context.tenantId, customRoles, otherTenantAdmins: others, at: context.now.toISOString() };
    const result = await handleCommand(deps, userAggregate, { id: userId, command, context });
    deps.directory.setUserRoles(userId, roles);
    return result;
  });
};
