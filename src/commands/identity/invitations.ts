/**
 * Invitations and password resets. Each answers a single-use token once (only its hash is kept);
 * no email transport exists, so the admin hands the link to the person. Redeeming is public: the
 * token is the credential, and the event is recorded as the user's own act.
 */
import { randomUUID } from 'node:crypto';
import type { UserStatus } from '../../access/directory.js';
import { newOneTimeToken, type TokenPurpose } from '../../access/one-time-tokens.js';
import { hashPassword } from '../../access/passwords.js';
import { AppError, NotFoundError } from '../../errors.js';
import { recordIdFor } from '../event-ids.js';
import { handleCommand, type CommandContext, type CommandResult } from '../handle.js';
import { customRoleNames, enrolUser, type AccountDeps } from './accounts.js';
import { userAggregate, type UserCommand } from './user.js';

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;
export const RESET_TTL_MS = 3600 * 1000;

export type Invitation = { email: string; name: string; roles: string[] };
/** Password changes end every session of the user (sessions and refresh tokens live in the OAuth storage). */
export type CredentialDeps = AccountDeps & { revokeSessionsOf: (userId: string) => Promise<number> };

const issueToken = (deps: AccountDeps, purpose: TokenPurpose, userId: string, expiresAt: Date) => {
  const { token, hash } = newOneTimeToken();
  deps.directory.putToken(hash, purpose, userId, expiresAt);
  return { token, expiresAt: expiresAt.toISOString() };
};

/** Invites a user of `tenantId` (status `invited`, no password); answers the invitation token once. */
export const inviteUser = async (deps: AccountDeps, tenantId: string, invitation: Invitation, context: CommandContext) => {
  const userId = recordIdFor(context.commandId);
  const expiresAt = new Date(context.now.getTime() + INVITATION_TTL_MS);
  const { email, name, roles } = invitation;
  const command = {
    type: 'InviteUser' as const, userId, subjectId: userId, email, name, roles, tenantId,
    customRoles: customRoleNames(deps, tenantId), at: context.now.toISOString(), expiresAt: expiresAt.toISOString(),
  };
  const result = await enrolUser(deps, command, '', context, 'invited');
  return { ...result, ...issueToken(deps, 'invitation', userId, expiresAt) };
};

/** Issues a password reset for an active user of the context's tenant; answers the token once. */
export const issuePasswordReset = async (deps: AccountDeps, userId: string, context: CommandContext) => {
  const entry = deps.directory.userById(userId);
  if (!entry || entry.tenantId !== context.tenantId) throw new NotFoundError('No such user');
  const expiresAt = new Date(context.now.getTime() + RESET_TTL_MS);
  const command = { type: 'IssuePasswordReset' as const, at: context.now.toISOString(), expiresAt: expiresAt.toISOString() };
  const result = await handleCommand(deps, userAggregate, { id: userId, command, context });
  return { ...result, ...issueToken(deps, 'password_reset', userId, expiresAt) };
};

/** The status a user must be in for a link of each purpose to work: a deactivated or erased user's links are dead. */
const REDEEMABLE_BY: Readonly<Record<TokenPurpose, UserStatus>> = { invitation: 'invited', password_reset: 'active' };

const redeemed = (deps: AccountDeps, token: string, purpose: TokenPurpose, now: Date) => {
  const userId = deps.directory.redeemToken(token, purpose, now);
  const entry = userId === undefined ? undefined : deps.directory.userById(userId);
  if (entry?.status !== REDEEMABLE_BY[purpose]) throw new AppError('token_invalid', 400, 'This link is unknown, already used or expired; ask your administrator for a new one');
  return entry;
};

/** Redeems the token, records `command` as the user's own act, and sets their password. */
const withNewPassword = async (deps: AccountDeps, purpose: TokenPurpose, token: string, password: string, command: (at: string) => UserCommand, now: Date) => {
  const user = redeemed(deps, token, purpose, now);
  const passwordHash = await hashPassword(password);
  const commandId = randomUUID();
  const context: CommandContext = { tenantId: user.tenantId, actorId: user.userId, commandId, correlationId: commandId, now };
  const result = await handleCommand(deps, userAggregate, { id: user.userId, command: command(now.toISOString()), context });
  deps.directory.setPasswordHash(user.userId, passwordHash);
  return result;
};

/** Accepts an invitation: the user becomes active with this password. */
export const acceptInvitation = async (deps: AccountDeps, token: string, password: string, now: Date): Promise<CommandResult> => {
  const result = await withNewPassword(deps, 'invitation', token, password, (at) => ({ type: 'AcceptInvitation', at }), now);
  deps.directory.setUserStatus(result.id, 'active');
  return result;
};

/** Sets a new password from a reset token and ends every session and refresh token of the user. */
export const resetPassword = async (deps: CredentialDeps, token: string, password: string, now: Date): Promise<CommandResult> => {
  const result = await withNewPassword(deps, 'password_reset', token, password, (at) => ({ type: 'ChangePassword', at }), now);
  await deps.revokeSessionsOf(result.id);
  return result;
};
