/** `/api/admin/clients` (a tenant admin): register an integration client (its secret answered once), revoke one. */
import Router from '@koa/router';
import type { Context } from 'koa';
import { authorize } from '../../access/policy.js';
import { registerApiClient, revokeApiClient } from '../../commands/identity/api-clients.js';
import { principalOf } from '../authenticate.js';
import { answerWrite, commandContext } from '../command-context.js';
import type { IdentityRouteDeps } from './organizations.js';
import { apiClientBody, reasonBody } from './schemas.js';

const bodyOf = (ctx: Context): unknown => (ctx.request as { body?: unknown }).body;

const register = (deps: IdentityRouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'admin.clients:create');
  const result = await registerApiClient(deps, apiClientBody(bodyOf(ctx)), commandContext(ctx, deps.clock));
  answerWrite(ctx, 201, result);
  ctx.set('Location', `/api/admin/clients/${result.id}`);
  ctx.body = { ...(ctx.body as object), clientId: result.id, clientSecret: result.clientSecret };
};

const revoke = (deps: IdentityRouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'admin.clients:update');
  const { reason } = reasonBody(bodyOf(ctx));
  answerWrite(ctx, 200, await revokeApiClient(deps, ctx.params.id!, reason, commandContext(ctx, deps.clock)));
};

export const apiClientRoutes = (deps: IdentityRouteDeps): Router => {
  const router = new Router();
  router.post('/', register(deps));
  router.post('/:id/revoke', revoke(deps));
  return router;
};
