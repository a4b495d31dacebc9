/**
 * `/api/admin/users` (a tenant admin, within their tenant): list and read users (email and name
 * decrypted), their history, create a user with roles, deactivate one; see also `user-admin.ts`.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { authorize } from '../../access/policy.js';
import { createUser, deactivateUser } from '../../commands/identity/accounts.js';
import { USER_AGGREGATE } from '../../events/identity/user.js';
import { getUser, listUsers } from '../../queries/identity/users.js';
import { principalOf } from '../authenticate.js';
import { answerWrite, commandContext } from '../command-context.js';
import { queryOf } from '../read-model.js';
import { historyRoute } from './history.js';
import type { IdentityRouteDeps } from './organizations.js';
import { reasonBody, userBody } from './schemas.js';
import { userAdminRoutes } from './user-admin.js';
import { assertMayAssign, assertMayManage } from './access-gates.js';

const bodyOf = (ctx: Context): unknown => (ctx.request as { body?: unknown }).body;

const create = (deps: IdentityRouteDeps) => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'admin.users:create');
  const body = userBody(bodyOf(ctx));
  assertMayAssign(deps.directory, principal, body.roles);
  const result = await createUser(deps, principal.tenantId, body, commandContext(ctx, deps.clock));
  answerWrite(ctx, 201, result);
  ctx.set('Location', `/api/admin/users/${result.id}`);
};

const list = (deps: IdentityRouteDeps) => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'admin.users:read');
  ctx.body = await listUsers(deps, principal.tenantId, queryOf(ctx, ['limit', 'cursor']));
};

const read = (deps: IdentityRouteDeps) => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'admin.users:read');
  ctx.body = await getUser(deps, principal.tenantId, ctx.params.id!);
};

const deactivate = (deps: IdentityRouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'admin.users:update');
  assertMayManage(deps.directory, principalOf(ctx.state), ctx.params.id!);
  const { reason } = reasonBody(bodyOf(ctx));
  answerWrite(ctx, 200, await deactivateUser(deps, ctx.params.id!, reason, commandContext(ctx, deps.clock)));
};

export const userRoutes = (deps: IdentityRouteDeps): Router => {
  const router = new Router();
  router.get('/', list(deps));
  router.post('/', create(deps));
  userAdminRoutes(router, deps);
  router.get('/:id', read(deps));
  router.get('/:id/history', historyRoute(deps, { aggregateType: USER_AGGREGATE, readPermission: 'admin.users:read', id: { param: 'id' } }));
  router.post('/:id/deactivate', deactivate(deps));
  return router;
};
