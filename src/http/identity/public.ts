/**
 * The public identity routes (no access token: the single-use token in the path is the
 * credential): accept an invitation, set a new password from a reset. Rate limited per IP like
 * the sign-in form (see `rate-limit.ts`).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { acceptInvitation, resetPassword, type CredentialDeps } from '../../commands/identity/invitations.js';
import { jsonBody } from '../json-body.js';
import type { Clock } from '../command-context.js';
import { newPasswordBody } from './access-schemas.js';

export const PUBLIC_IDENTITY_PREFIX = '/api/public';

export type PublicIdentityDeps = CredentialDeps & { clock: Clock };

const passwordOf = (ctx: Context): string => newPasswordBody((ctx.request as { body?: unknown }).body).password;

const accept = (deps: PublicIdentityDeps) => async (ctx: Context) => {
  ctx.set('Cache-Control', 'no-store');
  const result = await acceptInvitation(deps, ctx.params.token!, passwordOf(ctx), deps.clock());
  ctx.body = { userId: result.id, status: 'active' };
};

const reset = (deps: PublicIdentityDeps) => async (ctx: Context) => {
  ctx.set('Cache-Control', 'no-store');
  await resetPassword(deps, ctx.params.token!, passwordOf(ctx), deps.clock());
  ctx.status = 204;
};

export const publicIdentityRoutes = (deps: PublicIdentityDeps): Router => {
  const router = new Router({ prefix: PUBLIC_IDENTITY_PREFIX });
  const json = jsonBody();
  router.post('/invitations/:token/accept', json, accept(deps));
  router.post('/password-resets/:token', json, reset(deps));
  return router;
};
