/**
 * `/api/admin/sessions` (a tenant admin): the OAuth sessions of their tenant's users (user, client,
 * created, last used), and revoking one (its refresh token fails from then on).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Directory } from '../../access/directory.js';
import type { OAuthSessions } from '../../access/oauth/sessions.js';
import { authorize } from '../../access/policy.js';
import { NotFoundError } from '../../errors.js';
import { principalOf } from '../authenticate.js';

export type SessionRouteDeps = { directory: Directory; sessions: OAuthSessions };

const ofTenant = (directory: Directory, tenantId: string) => (accountId: string): boolean =>
  directory.userById(accountId)?.tenantId === tenantId;

const list = (deps: SessionRouteDeps) => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'admin.sessions:read');
  ctx.body = { data: await deps.sessions.list(ofTenant(deps.directory, principal.tenantId)), page: { nextCursor: null } };
};

const revoke = (deps: SessionRouteDeps) => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'admin.sessions:revoke');
  const owns = ofTenant(deps.directory, principal.tenantId);
  const session = (await deps.sessions.list(owns)).find((s) => s.id === ctx.params.id);
  if (!session) throw new NotFoundError('No such session');
  await deps.sessions.revoke(session.id);
  ctx.status = 204;
};

export const sessionRoutes = (deps: SessionRouteDeps): Router => {
  const router = new Router();
  router.get('/', list(deps));
  router.delete('/:id', revoke(deps));
  return router;
};
