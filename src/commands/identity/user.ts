/** Users of a tenant: create (with roles), deactivate, reactivate. */
import { ROLES } from '../../access/policy.js';
import { ConflictError, RuleViolationError } from '../../errors.js';
import { PLATFORM_TENANT } from '../../events/identity/organization.js';
import {
  USER_AGGREGATE,
  USER_PERSONAL_DATA,
  evolveUser,
  initialUserState,
  type UserEvent,
  type UserState,
} from '../../events/identity/user.js';
import { unreachable, type Decider } from '../decider.js';
import { existing } from './existing.js';
import type { Aggregate } from '../handle.js';

export type UserCommand =
  | { type: 'CreateUser'; userId: string; subjectId: string; email: string; name: string; roles: string[]; tenantId: string; at: string }
  | { type: 'DeactivateUser'; reason: string; at: string }
  | { type: 'ReactivateUser'; at: string };

/** Only the platform tenant may hold platform admins, and only it. */
const checkRoles = (roles: string[], tenantId: string): void => {
  const unknown = roles.filter((role) => !Object.hasOwn(ROLES, role));
  if (unknown.length > 0) throw new RuleViolationError('unknown_role', `Unknown roles: ${unknown.join(', ')}`, { roles: unknown });
  if ((tenantId === PLATFORM_TENANT) !== roles.includes('platform_admin')) {
    throw new RuleViolationError('role_not_allowed', 'platform_admin is the role of platform users, and only theirs');
  }
};

const decide = (command: UserCommand, state: UserState): UserEvent[] => {
  switch (command.type) {
    case 'CreateUser': {
      if (state.status !== 'none') throw new ConflictError('user_exists', 'This user exists');
      checkRoles(command.roles, command.tenantId);
      const { userId, subjectId, email, name, roles, at } = command;
      return [{ type: 'UserCreated', data: { userId, subjectId, email, name, roles, createdAt: at } }];
    }
    case 'DeactivateUser':
      return existing(state, 'user').status === 'deactivated' ? [] : [{ type: 'UserDeactivated', data: { reason: command.reason, deactivatedAt: command.at } }];
    case 'ReactivateUser':
      return existing(state, 'user').status === 'active' ? [] : [{ type: 'UserReactivated', data: { reactivatedAt: command.at } }];
    default:
      return unreachable(command);
  }
};

export const userDecider: Decider<UserCommand, UserEvent, UserState> = { initialState: initialUserState, evolve: evolveUser, decide };

export const userAggregate: Aggregate<UserCommand, UserEvent, UserState> = {
  type: USER_AGGREGATE,
  decider: userDecider,
  personalData: USER_PERSONAL_DATA,
};
