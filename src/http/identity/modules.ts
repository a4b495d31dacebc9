/** `PUT /api/superadmin/organizations/:id/modules` (platform super admin): enable or disable modules of an organization. */
import type { Context } from 'koa';
import { authorize } from '../../access/policy.js';
import { licenseModules } from '../../commands/identity/licence.js';
import { principalOf } from '../authenticate.js';
import { answerWrite, commandContext } from '../command-context.js';
import type { IdentityRouteDeps } from './organizations.js';
import { modulesBody } from './access-schemas.js';

export const putModules = (deps: IdentityRouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'platform.organizations:update');
  const modules = modulesBody((ctx.request as { body?: unknown }).body);
  const result = await licenseModules(deps, ctx.params.id!, modules, commandContext(ctx, deps.clock));
  answerWrite(ctx, 200, result);
  ctx.body = { ...(ctx.body as object), modules: result.modules };
};
