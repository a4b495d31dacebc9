/**
 * Invitations and password resets. Each answers a single-use token once (only its hash is kept);
 * no email transport exists, so the admin hands the link to the person. Redeeming is public: the
 * token is the credential, and the event is recorded as the user's own act.
 */
import { randomUUID } from 'node:crypto';
import { newOneTimeToken, type TokenPurpose } from '../../access/one-time-tokens.js';
import { hashPassword } from '../../access/passwords.js';
import { NotFoundError } from '../../errors.js';
import { recordIdFor } from '../event-ids.js';
import { handleCommand, type CommandContext, type CommandResult } from '../handle.js';
import { customRoleNames, enrolUser, type AccountDeps } from './accounts.js';
import { deadLink, userAggregate, type UserCommand } from './user.js';

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
const REDEEMABLE_BY: Readonly<Record<TokenPurpose, 'invited' | 'active'>> = { invitation: 'invited', password_reset: 'active' };

type LinkCommand = (at: string, subjectErased: boolean) => Extract<UserCommand, { type: 'AcceptInvitation' | 'ChangePassword' }>;

/** The user's entry while a link of `purpose` still works for them, else 400 `token_invalid`. */
const redeemable = (deps: AccountDeps, userId: string | undefined, purpose: TokenPurpose) => {
  const entry = userId === undefined ? undefined : deps.directory.userById(userId);
  if (entry?.status !== REDEEMABLE_BY[purpose]) throw deadLink();
  return entry;
};

/**
 * Redeems the token, records `command` as the user's own act, and sets their password. A user who
 * leaves meanwhile (the hash takes a while) keeps their account closed: the link is checked again
 * after hashing, the decider refuses an erased subject, and the directory is written only while the
 * user is still as the link found them (an erasure finishing after the append wins).
 */
const withNewPassword = async (deps: AccountDeps, purpose: TokenPurpose, token: string, password: string, command: LinkCommand, now: Date) => {
  const { userId } = redeemable(deps, deps.directory.redeemToken(token, purpose, now), purpose);
  const passwordHash = await hashPassword(password);
  const { tenantId } = redeemable(deps, userId, purpose);
  const commandId = randomUUID();
  const context: CommandContext = { tenantId, actorId: userId, commandId, correlationId: commandId, now };
  const decided = command(now.toISOString(), deps.keyStore.isErased(tenantId, userId));
  const result = await handleCommand(deps, userAggregate, { id: userId, command: decided, context });
  if (!deps.directory.setPasswordWhile(userId, passwordHash, REDEEMABLE_BY[purpose])) throw deadLink();
  return result;
};

/** Accepts an invitation: the user becomes active with this password. */
export const acceptInvitation = (deps: AccountDeps, token: string, password: string, now: Date): Promise<CommandResult> =>
  withNewPassword(deps, 'invitation', token, password, (at, subjectErased) => ({ type: 'AcceptInvitation', subjectErased, at }), now);

/** Sets a new password from a reset token and ends every session and refresh token of the user. */
export const resetPassword = async (deps: CredentialDeps, token: string, password: string, now: Date): Promise<CommandResult> => {
  const result = await withNewPassword(deps, 'password_reset', token, password, (at, subjectErased) => ({ type: 'ChangePassword', subjectErased, at }), now);
  await deps.revokeSessionsOf(result.id);
  return result;
};
