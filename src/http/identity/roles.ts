/**
 * `/api/admin/permissions` (the catalogue) and `/api/admin/roles` (a tenant admin's custom roles):
 * list, define, redefine (`If-Match`), delete, history. Built-in roles are listed beside the custom ones.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { CatalogueEntry } from '../../access/permissions.js';
import { assertMayHandOut, authorize, ROLES } from '../../access/policy.js';
import { defineRole, deleteRole, redefineRole, type RoleDeps } from '../../commands/identity/roles.js';
import { ROLE_AGGREGATE } from '../../events/identity/role.js';
import { principalOf } from '../authenticate.js';
import { answerWrite, commandContext, ifMatchOf } from '../command-context.js';
import type { IdentityRouteDeps } from './organizations.js';
import { roleBody, roleChangeBody } from './access-schemas.js';
import { historyRoute } from './history.js';
import { grantOf } from './access-gates.js';

export type RoleRouteDeps = IdentityRouteDeps & { catalogue: readonly CatalogueEntry[] };

const bodyOf = (ctx: Context): unknown => (ctx.request as { body?: unknown }).body;

const roleDeps = (deps: RoleRouteDeps): RoleDeps => ({ ...deps, assignable: deps.catalogue.filter((e) => e.assignable).map((e) => e.permission) });

const builtIn = Object.entries(ROLES).map(([name, grants]) => ({
  name, builtIn: true, grants: grants.map((g) => ({ permission: g.pattern, scope: g.scope })),
}));

export const permissionRoutes = (catalogue: readonly CatalogueEntry[]): Router => {
  const router = new Router();
  router.get('/', (ctx) => {
    authorize(principalOf(ctx.state), 'admin.roles:read');
    ctx.body = { data: catalogue };
  });
  return router;
};

const list = (deps: RoleRouteDeps) => (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'admin.roles:read');
  const custom = deps.directory.customRoles(principal.tenantId).map((role) => ({ ...role, builtIn: false }));
  ctx.body = { data: [...builtIn, ...custom] };
};

/** The caller holds every grant of the catalogue it hands out (a permission outside it is the command's 422 `unknown_permission`). */
const assertMayHandOutGrants = (deps: RoleRouteDeps, ctx: Context, grants: ReadonlyArray<{ permission: string; scope: 'all' | 'own' }>): void => {
  const known = new Set(deps.catalogue.filter((entry) => entry.assignable).map((entry) => entry.permission));
  assertMayHandOut(principalOf(ctx.state), grants.filter((g) => known.has(g.permission)).map(grantOf));
};

const create = (deps: RoleRouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'admin.roles:create');
  const body = roleBody(bodyOf(ctx));
  assertMayHandOutGrants(deps, ctx, body.grants);
  const result = await defineRole(roleDeps(deps), body, commandContext(ctx, deps.clock));
  answerWrite(ctx, 201, result);
  ctx.set('Location', `/api/admin/roles/${result.id}`);
};

const update = (deps: RoleRouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'admin.roles:update');
  const change = roleChangeBody(bodyOf(ctx));
  assertMayHandOutGrants(deps, ctx, change.grants ?? []);
  answerWrite(ctx, 200, await redefineRole(roleDeps(deps), ctx.params.name!, change, commandContext(ctx, deps.clock), ifMatchOf(ctx)));
};

const remove = (deps: RoleRouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'admin.roles:delete');
  answerWrite(ctx, 200, await deleteRole(roleDeps(deps), ctx.params.name!, commandContext(ctx, deps.clock)));
};

export const roleRoutes = (deps: RoleRouteDeps): Router => {
  const router = new Router();
  router.get('/', list(deps));
  router.post('/', create(deps));
  router.get('/:name/history', historyRoute(deps, { aggregateType: ROLE_AGGREGATE, readPermission: 'admin.roles:read', id: { param: 'name' } }));
  router.patch('/:name', update(deps));
  router.delete('/:name', remove(deps));
  return router;
};
