/**
 * `/api/superadmin/organizations` (platform super admin only): create a tenant with its first
 * admin, list tenants, suspend and reactivate one, license its modules; an organization's history
 * (also for auditors: the platform's, and a tenant's auditors of their own organization).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Directory, TenantEntry } from '../../access/directory.js';
import { authorize } from '../../access/policy.js';
import { createOrganization, setOrganizationStatus, type AccountDeps } from '../../commands/identity/accounts.js';
import type { Principal } from '../../access/principal.js';
import { NotFoundError } from '../../errors.js';
import type { CursorKey } from '../../queries/cursor.js';
import { ORGANIZATION_AGGREGATE, PLATFORM_TENANT } from '../../events/identity/organization.js';
import { principalOf } from '../authenticate.js';
import { answerWrite, commandContext, type Clock } from '../command-context.js';
import { emptyBody } from '../records.js';
import { organizationBody, reasonBody } from './schemas.js';
import { putModules } from './modules.js';
import { historyRoute } from './history.js';

export type IdentityRouteDeps = AccountDeps & { clock: Clock; cursorKey: CursorKey };

const bodyOf = (ctx: Context): unknown => (ctx.request as { body?: unknown }).body;

const json = (t: TenantEntry) => ({ id: t.tenantId, slug: t.tenantId, name: t.name, status: t.status, createdAt: t.createdAt });

const create = (deps: IdentityRouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'platform.organizations:create');
  const input = organizationBody(bodyOf(ctx));
  const result = await createOrganization(deps, input, commandContext(ctx, deps.clock));
  answerWrite(ctx, 201, result);
  ctx.set('Location', `/api/superadmin/organizations/${result.id}`);
  ctx.body = { ...(ctx.body as object), adminUserId: result.adminUserId };
};

const list = (directory: Directory) => (ctx: Context) => {
  authorize(principalOf(ctx.state), 'platform.organizations:read');
  ctx.body = { data: directory.tenants().map(json), page: { nextCursor: null } };
};

const read = (directory: Directory) => (ctx: Context) => {
  authorize(principalOf(ctx.state), 'platform.organizations:read');
  const tenant = directory.tenant(ctx.params.id!);
  if (!tenant) throw new NotFoundError('No such organization');
  ctx.body = { ...json(tenant), modules: directory.modulesOf(tenant.tenantId) };
};

/** Organizations are platform records: a tenant's auditor may read only their own organization's. */
const organizationTenant = (principal: Principal, id: string): string => {
  if (principal.tenantId !== PLATFORM_TENANT && principal.tenantId !== id) throw new NotFoundError('No such organization');
  return PLATFORM_TENANT;
};

/** A suspension carries its reason; a reactivation nothing. */
const statusChange = (ctx: Context, suspend: boolean) => {
  if (suspend) return { suspend: true as const, reason: reasonBody(bodyOf(ctx)).reason };
  emptyBody(bodyOf(ctx) ?? {});
  return { suspend: false as const };
};

const changeStatus = (deps: IdentityRouteDeps, suspend: boolean) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'platform.organizations:update');
  const change = statusChange(ctx, suspend);
  answerWrite(ctx, 200, await setOrganizationStatus(deps, ctx.params.id!, change, commandContext(ctx, deps.clock)));
  ctx.body = { ...(ctx.body as object), status: suspend ? 'suspended' : 'active' };
};

export const organizationRoutes = (deps: IdentityRouteDeps): Router => {
  const router = new Router();
  router.post('/', create(deps));
  router.get('/', list(deps.directory));
  router.get('/:id', read(deps.directory));
  router.get('/:id/history', historyRoute(deps, {
    aggregateType: ORGANIZATION_AGGREGATE, readPermission: 'platform.organizations:read', id: { param: 'id' }, tenantOf: organizationTenant,
  }));
  router.post('/:id/suspend', changeStatus(deps, true));
  router.post('/:id/reactivate', changeStatus(deps, false));
  router.put('/:id/modules', putModules(deps));
  return router;
};
