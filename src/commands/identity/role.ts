/** Custom roles of a tenant: define, redefine (applies to every holder at once), delete. */
import { ConflictError, NotFoundError, RuleViolationError } from '../../errors.js';
import {
  ROLE_AGGREGATE,
  evolveRole,
  initialRoleState,
  type RoleEvent,
  type RoleGrantData,
  type RoleState,
} from '../../events/identity/role.js';
import { unreachable, type Decider } from '../decider.js';
import type { Aggregate } from '../handle.js';

/** `assignable`: the catalogue permissions a tenant role may grant (configuration, from the caller). */
export type RoleCommand =
  | { type: 'DefineRole'; name: string; description: string; grants: RoleGrantData[]; assignable: readonly string[]; builtIn: boolean; at: string }
  | { type: 'RedefineRole'; description?: string; grants?: RoleGrantData[]; assignable: readonly string[]; at: string }
  | { type: 'DeleteRole'; at: string };

const checkGrants = (grants: readonly RoleGrantData[], assignable: readonly string[]): void => {
  const unknown = grants.map((g) => g.permission).filter((p) => !assignable.includes(p));
  if (unknown.length > 0) throw new RuleViolationError('unknown_permission', `Not in the permission catalogue: ${unknown.join(', ')}`, { permissions: unknown });
  const permissions = grants.map((g) => g.permission);
  if (new Set(permissions).size !== permissions.length) throw new RuleViolationError('duplicate_permission', 'Each permission may be granted once');
};

const defined = (state: RoleState): Extract<RoleState, { status: 'defined' }> => {
  if (state.status !== 'defined') throw new NotFoundError('No such role');
  return state;
};

const define = (command: Extract<RoleCommand, { type: 'DefineRole' }>, state: RoleState): RoleEvent[] => {
  if (command.builtIn) throw new ConflictError('role_exists', 'A built-in role has this name', { name: command.name });
  if (state.status === 'defined') throw new ConflictError('role_exists', 'A role with this name exists', { name: command.name });
  checkGrants(command.grants, command.assignable);
  const { name, description, grants, at } = command;
  return [{ type: 'RoleDefined', data: { name, description, grants, definedAt: at } }];
};

const redefine = (command: Extract<RoleCommand, { type: 'RedefineRole' }>, state: RoleState): RoleEvent[] => {
  const current = defined(state);
  const grants = command.grants ?? current.grants;
  checkGrants(grants, command.assignable);
  const description = command.description ?? current.description;
  if (description === current.description && JSON.stringify(grants) === JSON.stringify(current.grants)) return [];
  return [{ type: 'RoleRedefined', data: { description, grants, redefinedAt: command.at } }];
};

const decide = (command: RoleCommand, state: RoleState): RoleEvent[] => {
  switch (command.type) {
    case 'DefineRole':
      return define(command, state);
    case 'RedefineRole':
      return redefine(command, state);
    case 'DeleteRole':
      defined(state);
      return [{ type: 'RoleDeleted', data: { deletedAt: command.at } }];
    default:
      return unreachable(command);
  }
};

export const roleDecider: Decider<RoleCommand, RoleEvent, RoleState> = { initialState: initialRoleState, evolve: evolveRole, decide };

export const roleAggregate: Aggregate<RoleCommand, RoleEvent, RoleState> = { type: ROLE_AGGREGATE, decider: roleDecider };
