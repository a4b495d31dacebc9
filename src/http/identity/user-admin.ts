/**
 * More of `/api/admin/users` (a tenant admin, within their tenant): invite a user (answers the
 * invitation token once), replace a user's roles (from their next access token), and issue a
 * password reset (answers the reset token once). No email is sent: the admin delivers the link.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { authorize } from '../../access/policy.js';
import { inviteUser, issuePasswordReset } from '../../commands/identity/invitations.js';
import { assignUserRoles } from '../../commands/identity/roles.js';
import { principalOf } from '../authenticate.js';
import { answerWrite, commandContext } from '../command-context.js';
import { shownOnce } from '../idempotency.js';
import { emptyBody } from '../records.js';
import type { IdentityRouteDeps } from './organizations.js';
import { invitationBody, userRolesBody } from './access-schemas.js';
import { assertMayAssign, assertMayManage } from './access-gates.js';

const bodyOf = (ctx: Context): unknown => (ctx.request as { body?: unknown }).body;

/** Answers a write with its single-use token and the public path that redeems it. */
const withToken = (ctx: Context, issued: { token: string; expiresAt: string }, path: string): void => {
  ctx.body = { ...(ctx.body as object), token: issued.token, expiresAt: issued.expiresAt, path };
  shownOnce(ctx, ['token', 'path']);
};

const invite = (deps: IdentityRouteDeps) => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'admin.users:create');
  const body = invitationBody(bodyOf(ctx));
  assertMayAssign(deps.directory, principal, body.roles);
  const result = await inviteUser(deps, principal.tenantId, body, commandContext(ctx, deps.clock));
  answerWrite(ctx, 201, result);
  ctx.set('Location', `/api/admin/users/${result.id}`);
  withToken(ctx, result, `/api/public/invitations/${result.token}/accept`);
};

const assignRoles = (deps: IdentityRouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'admin.users:update');
  const { roles } = userRolesBody(bodyOf(ctx));
  assertMayAssign(deps.directory, principalOf(ctx.state), roles);
  assertMayManage(deps.directory, principalOf(ctx.state), ctx.params.id!);
  answerWrite(ctx, 200, await assignUserRoles(deps, ctx.params.id!, roles, commandContext(ctx, deps.clock)));
  ctx.body = { ...(ctx.body as object), roles };
};

const resetPassword = (deps: IdentityRouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'admin.users:update');
  emptyBody(bodyOf(ctx) ?? {});
  assertMayManage(deps.directory, principalOf(ctx.state), ctx.params.id!);
  const result = await issuePasswordReset(deps, ctx.params.id!, commandContext(ctx, deps.clock));
  answerWrite(ctx, 201, result);
  withToken(ctx, result, `/api/public/password-resets/${result.token}`);
};

/** Adds these routes to the users router (before its `/:id` routes take `invite` for an id). */
export const userAdminRoutes = (router: Router, deps: IdentityRouteDeps): void => {
  router.post('/invite', invite(deps));
  router.put('/:id/roles', assignRoles(deps));
  router.post('/:id/reset-password', resetPassword(deps));
};
