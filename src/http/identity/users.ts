/** `/api/admin/users` (a tenant admin, within their tenant): create a user with roles, deactivate one; see also `user-admin.ts`. */
import Router from '@koa/router';
import type { Context } from 'koa';
import { authorize } from '../../access/policy.js';
import { createUser, deactivateUser } from '../../commands/identity/accounts.js';
import { principalOf } from '../authenticate.js';
import { answerWrite, commandContext } from '../command-context.js';
import type { IdentityRouteDeps } from './organizations.js';
import { reasonBody, userBody } from './schemas.js';
import { userAdminRoutes } from './user-admin.js';

const bodyOf = (ctx: Context): unknown => (ctx.request as { body?: unknown }).body;

const create = (deps: IdentityRouteDeps) => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'admin.users:create');
  const result = await createUser(deps, principal.tenantId, userBody(bodyOf(ctx)), commandContext(ctx, deps.clock));
  answerWrite(ctx, 201, result);
  ctx.set('Location', `/api/admin/users/${result.id}`);
};

const deactivate = (deps: IdentityRouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'admin.users:update');
  const { reason } = reasonBody(bodyOf(ctx));
  answerWrite(ctx, 200, await deactivateUser(deps, ctx.params.id!, reason, commandContext(ctx, deps.clock)));
};

export const userRoutes = (deps: IdentityRouteDeps): Router => {
  const router = new Router();
  router.post('/', create(deps));
  userAdminRoutes(router, deps);
  router.post('/:id/deactivate', deactivate(deps));
  return router;
};
