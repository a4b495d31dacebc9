/**
 * `/api/admin/clients` (a tenant admin): list and read integration clients (never their secret),
 * their history, register one (its secret answered once), revoke one.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { authorize } from '../../access/policy.js';
import { registerApiClient, revokeApiClient } from '../../commands/identity/api-clients.js';
import { API_CLIENT_AGGREGATE } from '../../events/identity/api-client.js';
import { getApiClient, listApiClients } from '../../queries/identity/api-clients.js';
import { principalOf } from '../authenticate.js';
import { answerWrite, commandContext } from '../command-context.js';
import { queryOf } from '../read-model.js';
import { shownOnce } from '../idempotency.js';
import { historyRoute } from './history.js';
import type { IdentityRouteDeps } from './organizations.js';
import { apiClientBody, reasonBody } from './schemas.js';
import { assertMayAssign } from './access-gates.js';

const bodyOf = (ctx: Context): unknown => (ctx.request as { body?: unknown }).body;

const register = (deps: IdentityRouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'admin.clients:create');
  const body = apiClientBody(bodyOf(ctx));
  assertMayAssign(deps.directory, principalOf(ctx.state), body.roles);
  const result = await registerApiClient(deps, body, commandContext(ctx, deps.clock));
  answerWrite(ctx, 201, result);
  ctx.set('Location', `/api/admin/clients/${result.id}`);
  ctx.body = { ...(ctx.body as object), clientId: result.id, clientSecret: result.clientSecret };
  shownOnce(ctx, ['clientSecret']);
};

const list = (deps: IdentityRouteDeps) => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'admin.clients:read');
  ctx.body = await listApiClients(deps, principal.tenantId, queryOf(ctx, ['limit', 'cursor']));
};

const read = (deps: IdentityRouteDeps) => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'admin.clients:read');
  ctx.body = await getApiClient(deps, principal.tenantId, ctx.params.id!);
};

const revoke = (deps: IdentityRouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'admin.clients:update');
  const { reason } = reasonBody(bodyOf(ctx));
  answerWrite(ctx, 200, await revokeApiClient(deps, ctx.params.id!, reason, commandContext(ctx, deps.clock)));
};

export const apiClientRoutes = (deps: IdentityRouteDeps): Router => {
  const router = new Router();
  router.get('/', list(deps));
  router.post('/', register(deps));
  router.get('/:id', read(deps));
  router.get('/:id/history', historyRoute(deps, { aggregateType: API_CLIENT_AGGREGATE, readPermission: 'admin.clients:read', id: { param: 'id' } }));
  router.post('/:id/revoke', revoke(deps));
  return router;
};
