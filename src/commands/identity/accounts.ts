/**
 * Organizations and users as the API and the CLI change them: each change goes through the one
 * command handler (the log is the record), then the identity directory in `identity.db` (login
 * lookup, password hash, statuses) follows. A new user's email is reserved in the directory
 * before its event is appended, so two users cannot take the same email.
 */
import { randomUUID } from 'node:crypto';
import type { Directory, UserStatus } from '../../access/directory.js';
import { hashPassword } from '../../access/passwords.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../errors.js';
import { offboardingFold } from '../../events/compliance/offboarding.js';
import { streamState } from '../../events/compliance/stream-state.js';
import { PLATFORM_TENANT } from '../../events/identity/organization.js';
import { tenantLookupHash } from '../../events/personal-data/keyed-hash.js';
import type { KeyStore } from '../../events/personal-data/key-store.js';
import { recordIdFor } from '../event-ids.js';
import { handleCommand, type CommandContext, type CommandDeps, type CommandResult } from '../handle.js';
import { processLocks } from '../../process-locks.js';
import { organizationAggregate } from './organization.js';
import { TENANT_ADMIN, userAggregate, type UserCommand } from './user.js';

export type AccountDeps = CommandDeps & { directory: Directory };

export type NewUser = { email: string; password: string; name: string; roles: string[] };
export type NewOrganization = { name: string; slug: string; admin: Omit<NewUser, 'roles'> };

/** The platform-wide lookup hash of an email (emails are unique across the platform). */
export const emailHashOf = (keyStore: KeyStore, email: string): string => tenantLookupHash(keyStore, PLATFORM_TENANT, 'email', email);

const refuseTakenEmail = (deps: AccountDeps, email: string): void => {
  if (deps.directory.userByEmailHash(emailHashOf(deps.keyStore, email))) throw new ConflictError('email_taken', 'A user with this email exists');
};

type Enrolment = Extract<UserCommand, { type: 'CreateUser' | 'InviteUser' }>;

/**
 * Reserves the email (with `passwordHash`), appends the user's first event, then opens the entry as
 * `status`; a failed append releases the reservation.
 */
export const enrolUser = async (deps: AccountDeps, command: Enrolment, passwordHash: string, context: CommandContext, status: UserStatus) => {
  const { userId, tenantId, email, roles } = command;
  if (!deps.directory.userById(userId)) deps.directory.reserveUser({ userId, tenantId, emailHash: emailHashOf(deps.keyStore, email), passwordHash, roles });
  try {
    // Its own command id: event ids derive from it, and the organization's events used the request's.
    const result = await handleCommand(deps, userAggregate, { id: userId, command, context: { ...context, tenantId, commandId: recordIdFor(userId) } });
    deps.directory.setUserStatus(userId, status);
    return result;
  } catch (error) {
    deps.directory.releaseUser(userId);
    throw error;
  }
};

/** The names of a tenant's custom roles (what a user of it may hold besides the built-in ones). */
export const customRoleNames = (deps: AccountDeps, tenantId: string): string[] => deps.directory.customRoles(tenantId).map((r) => r.name);

/** How many active users of the tenant besides `userId` hold `tenant_admin` (the user decider keeps one). */
export const otherTenantAdmins = (deps: AccountDeps, tenantId: string, userId: string): number =>
  deps.directory.activeHoldersOf(tenantId, TENANT_ADMIN).filter((id) => id !== userId).length;

const tenantAdminChanges = processLocks();

/**
 * Runs a change that may take `tenant_admin` from an active user (a demotion, a deactivation) alone
 * among the tenant's such changes, from counting the other admins to updating the directory: two at
 * once would each count the other and could leave none. The lock is this process's: the embedded
 * store has one writer, and API replicas each count from their own directory, so it does not reach
 * across them (nor does the Redis of `REDIS_URL`).
 */
export const aloneAmongAdminChanges = async <T>(tenantId: string, change: () => Promise<T>): Promise<T> => {
  const hold = await tenantAdminChanges([`${tenantId}\0tenant-admins`]);
  try {
    return await change();
  } finally {
    await hold.release();
  }
};

/** Creates a user of `tenantId`; the user id (also their data subject id) derives from the command id. */
export const createUser = async (deps: AccountDeps, tenantId: string, user: NewUser, context: CommandContext): Promise<CommandResult> => {
  const userId = recordIdFor(context.commandId);
  const passwordHash = deps.directory.userById(userId)?.passwordHash ?? (await hashPassword(user.password));
  const { email, name, roles } = user;
  const customRoles = customRoleNames(deps, tenantId);
  const command = { type: 'CreateUser' as const, userId, subjectId: userId, email, name, roles, tenantId, customRoles, at: context.now.toISOString() };
  return enrolUser(deps, command, passwordHash, context, 'active');
};

/**
 * Reserves the admin's email before the organization is appended: an email taken meanwhile (two
 * organizations sent at once with one admin) refuses the organization whole, not after it exists
 * without an admin. A refused organization (its slug taken) releases the reservation.
 */
const reserveFirstAdmin = async (deps: AccountDeps, slug: string, admin: NewOrganization['admin'], context: CommandContext): Promise<string> => {
  const userId = recordIdFor(context.commandId);
  if (deps.directory.userById(userId)) return userId;
  const passwordHash = await hashPassword(admin.password);
  deps.directory.reserveUser({ userId, tenantId: slug, emailHash: emailHashOf(deps.keyStore, admin.email), passwordHash, roles: [TENANT_ADMIN] });
  return userId;
};

/** Creates an organization (tenant id = slug) and its first admin (role tenant_admin). */
export const createOrganization = async (deps: AccountDeps, input: NewOrganization, context: CommandContext) => {
  const { name, slug, admin } = input;
  if (slug === PLATFORM_TENANT) throw new ConflictError('slug_taken', 'This slug is reserved', { slug });
  refuseTakenEmail(deps, admin.email);
  const adminUserId = await reserveFirstAdmin(deps, slug, admin, context);
  const at = context.now.toISOString();
  const command = { type: 'CreateOrganization' as const, organizationId: slug, name, slug, at };
  let created: CommandResult;
  try {
    created = await handleCommand(deps, organizationAggregate, { id: slug, command, context: { ...context, tenantId: PLATFORM_TENANT } });
  } catch (error) {
    deps.directory.releaseUser(adminUserId);
    throw error;
  }
  deps.directory.putTenant({ tenantId: slug, name, status: 'active', createdAt: at });
  const adminUser = await createUser(deps, slug, { ...admin, roles: [TENANT_ADMIN] }, context);
  return { ...created, adminUserId: adminUser.id, position: adminUser.position };
};

const offboardingOf = async (deps: AccountDeps, slug: string) => (await streamState(deps.store, PLATFORM_TENANT, slug, offboardingFold)).status;

/** Suspends (its users are refused at login and by the API) or reactivates an organization (never one whose offboarding started). */
export const setOrganizationStatus = async (
  deps: AccountDeps, slug: string, change: { suspend: true; reason: string } | { suspend: false }, context: CommandContext,
): Promise<CommandResult> => {
  const at = context.now.toISOString();
  const command = change.suspend ? { type: 'SuspendOrganization' as const, reason: change.reason, at }
    : { type: 'ReactivateOrganization' as const, offboarding: await offboardingOf(deps, slug), at };
  const result = await handleCommand(deps, organizationAggregate, { id: slug, command, context: { ...context, tenantId: PLATFORM_TENANT } });
  deps.directory.setTenantStatus(slug, change.suspend ? 'suspended' : 'active');
  return result;
};

/** Deactivates a user of the context's tenant: refused at login and by the API from now on. */
export const deactivateUser = async (deps: AccountDeps, userId: string, reason: string, context: CommandContext): Promise<CommandResult> => {
  const entry = deps.directory.userById(userId);
  if (!entry || entry.tenantId !== context.tenantId) throw new NotFoundError('No such user');
  if (userId === context.actorId) throw new ForbiddenError('self_deactivation', 'You cannot deactivate yourself');
  return aloneAmongAdminChanges(context.tenantId, async () => {
    const command = { type: 'DeactivateUser' as const, reason, otherTenantAdmins: otherTenantAdmins(deps, context.tenantId, userId), at: context.now.toISOString() };
    const result = await handleCommand(deps, userAggregate, { id: userId, command, context });
    deps.directory.setUserStatus(userId, 'deactivated');
    return result;
  });
};

/** Creates the platform super admin unless a user with this email exists (first start, `admin create`). */
export const ensurePlatformAdmin = async (deps: AccountDeps, admin: { email: string; password: string; name?: string }, now: Date) => {
  const existing = deps.directory.userByEmailHash(emailHashOf(deps.keyStore, admin.email));
  // Emails are unique across the platform: an organization's user holding it is no super admin, and "exists" would mislead.
  if (existing && existing.tenantId !== PLATFORM_TENANT) {
    throw new ConflictError('email_taken', `This email belongs to a user of organization ${existing.tenantId}, not a platform super admin`);
  }
  if (existing) return { created: false, userId: existing.userId };
  const commandId = randomUUID();
  const context: CommandContext = { tenantId: PLATFORM_TENANT, actorId: 'system', commandId, correlationId: commandId, now };
  const user = { email: admin.email, password: admin.password, name: admin.name ?? 'Platform admin', roles: ['platform_admin'] };
  const created = await createUser(deps, PLATFORM_TENANT, user, context);
  return { created: true, userId: created.id };
};
