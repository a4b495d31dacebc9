/** Users of a tenant: create or invite (with roles), accept, assign roles, reset the password, deactivate, reactivate. */
import { ROLES } from '../../access/policy.js';
import { AppError, ConflictError, RuleViolationError } from '../../errors.js';
import { PLATFORM_TENANT } from '../../events/identity/organization.js';
import {
  USER_AGGREGATE,
  USER_PERSONAL_DATA,
  evolveUser,
  initialUserState,
  type UserEvent,
  type UserState,
} from '../../events/identity/user.js';
import { hasText } from '../../events/catalogue.js';
import { unreachable, type Decider } from '../decider.js';
import { existing } from './existing.js';
import type { Aggregate } from '../handle.js';

/**
 * `customRoles`: the names of the tenant's custom roles (configuration, from the caller);
 * `otherTenantAdmins`: how many active users of the tenant besides this one hold `tenant_admin` (from the directory);
 * `subjectErased`: whether the user's data subject is erased (from the key store; the user's stream does not say).
 */
export type UserCommand =
  | { type: 'CreateUser'; userId: string; subjectId: string; email: string; name: string; roles: string[]; tenantId: string; customRoles: readonly string[]; at: string }
  | { type: 'InviteUser'; userId: string; subjectId: string; email: string; name: string; roles: string[]; tenantId: string; customRoles: readonly string[]; at: string; expiresAt: string }
  | { type: 'AcceptInvitation'; subjectErased: boolean; at: string }
  | { type: 'AssignRoles'; roles: string[]; tenantId: string; customRoles: readonly string[]; otherTenantAdmins: number; at: string }
  | { type: 'IssuePasswordReset'; at: string; expiresAt: string }
  | { type: 'ChangePassword'; subjectErased: boolean; at: string }
  | { type: 'DeactivateUser'; reason: string; otherTenantAdmins: number; at: string }
  | { type: 'ReactivateUser'; at: string };

/** Built-in or the tenant's custom roles; only the platform tenant may hold platform admins, and only it. */
const checkRoles = (roles: string[], tenantId: string, customRoles: readonly string[]): void => {
  const unknown = roles.filter((role) => !Object.hasOwn(ROLES, role) && !customRoles.includes(role));
  if (unknown.length > 0) throw new RuleViolationError('unknown_role', `Unknown roles: ${unknown.join(', ')}`, { roles: unknown });
  if ((tenantId === PLATFORM_TENANT) !== roles.includes('platform_admin')) {
    throw new RuleViolationError('role_not_allowed', 'platform_admin is the role of platform users, and only theirs');
  }
};

const inStatus = (state: UserState, status: 'invited' | 'active', code: string): void => {
  if (existing(state, 'user').status !== status) throw new ConflictError(code, `The user is not ${status}`);
};

export const TENANT_ADMIN = 'tenant_admin';

/** The answer to an invitation or reset link that does not work (unknown, used, expired, or its user left). */
export const deadLink = (): AppError =>
  new AppError('token_invalid', 400, 'This link is unknown, already used or expired; ask your administrator for a new one');

/** A link redeemed by a user erased meanwhile (the erasure closes the account after shredding) is dead. */
const byLink = (command: { subjectErased: boolean }, state: UserState, status: 'invited' | 'active', code: string): void => {
  if (command.subjectErased) throw deadLink();
  inStatus(state, status, code);
};

/** An organization keeps an active tenant admin: its last one is neither demoted nor deactivated. */
const assertNotLastAdmin = (user: Exclude<UserState, { status: 'none' }>, otherTenantAdmins: number): void => {
  if (user.status === 'active' && user.roles.includes(TENANT_ADMIN) && otherTenantAdmins === 0) {
    throw new ConflictError('last_tenant_admin', 'This is the organization\'s last active tenant admin: make another user tenant admin first');
  }
};

const enrol = (command: Extract<UserCommand, { type: 'CreateUser' | 'InviteUser' }>, state: UserState): UserEvent[] => {
  if (state.status !== 'none') throw new ConflictError('user_exists', 'This user exists');
  checkRoles(command.roles, command.tenantId, command.customRoles);
  const { userId, subjectId, email, name, roles, at } = command;
  if (command.type === 'CreateUser') return [{ type: 'UserCreated', data: { userId, subjectId, email, name, roles, createdAt: at } }];
  return [{ type: 'UserInvited', data: { userId, subjectId, email, name, roles, invitedAt: at, expiresAt: command.expiresAt } }];
};

const assignRoles = (command: Extract<UserCommand, { type: 'AssignRoles' }>, state: UserState): UserEvent[] => {
  const current = existing(state, 'user');
  checkRoles(command.roles, command.tenantId, command.customRoles);
  if (JSON.stringify([...current.roles].sort()) === JSON.stringify([...command.roles].sort())) return [];
  if (!command.roles.includes(TENANT_ADMIN)) assertNotLastAdmin(current, command.otherTenantAdmins);
  return [{ type: 'UserRolesAssigned', data: { roles: command.roles, assignedAt: command.at } }];
};

/** The reason is about the user: it is encrypted under their subject (`UserDeactivated` names it). */
const deactivate = (command: Extract<UserCommand, { type: 'DeactivateUser' }>, state: UserState): UserEvent[] => {
  if (!hasText(command.reason)) throw new RuleViolationError('reason_required', 'Deactivating a user needs a reason');
  const user = existing(state, 'user');
  if (user.status === 'deactivated') return [];
  assertNotLastAdmin(user, command.otherTenantAdmins);
  return [{ type: 'UserDeactivated', data: { subjectId: user.subjectId, reason: command.reason, deactivatedAt: command.at } }];
};

const decide = (command: UserCommand, state: UserState): UserEvent[] => {
  switch (command.type) {
    case 'CreateUser':
    case 'InviteUser':
      return enrol(command, state);
    case 'AcceptInvitation':
      byLink(command, state, 'invited', 'invitation_not_pending');
      return [{ type: 'InvitationAccepted', data: { acceptedAt: command.at } }];
    case 'AssignRoles':
      return assignRoles(command, state);
    case 'IssuePasswordReset':
      inStatus(state, 'active', 'user_not_active');
      return [{ type: 'PasswordResetIssued', data: { issuedAt: command.at, expiresAt: command.expiresAt } }];
    case 'ChangePassword':
      byLink(command, state, 'active', 'user_not_active');
      return [{ type: 'PasswordChanged', data: { changedAt: command.at } }];
    case 'DeactivateUser':
      return deactivate(command, state);
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
