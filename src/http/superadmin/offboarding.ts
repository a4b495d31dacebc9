/**
 * `POST /api/superadmin/organizations/:id/offboard { reason }` (platform operators): suspends the
 * organization and erases every data subject of its tenant; answers the offboarding certificate,
 * which `GET /:id/offboarding-certificate` reads again. A repeat answers the kept certificate.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Directory } from '../../access/directory.js';
import { authorize } from '../../access/policy.js';
import { offboardingCertificateOf, offboardOrganization } from '../../commands/compliance/offboarding.js';
import { NotFoundError } from '../../errors.js';
import { tenantSubjects } from '../../queries/compliance/subjects.js';
import { principalOf } from '../authenticate.js';
import { commandContext } from '../command-context.js';
import type { SubjectRouteDeps } from '../compliance/subjects.js';
import { reasonBody } from '../identity/schemas.js';

export type OffboardingRouteDeps = SubjectRouteDeps & { directory: Directory };

const offboard = (deps: OffboardingRouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'platform.organizations:offboard');
  const { reason } = reasonBody((ctx.request as { body?: unknown }).body);
  const offboardingDeps = { ...deps, tenantSubjects: (tenantId: string) => tenantSubjects(deps, tenantId) };
  const request = { organizationId: ctx.params.id!, reason, context: commandContext(ctx, deps.clock) };
  ctx.body = await offboardOrganization(offboardingDeps, request);
};

const certificate = (deps: OffboardingRouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'platform.organizations:read');
  const kept = await offboardingCertificateOf(deps, ctx.params.id!);
  if (!kept) throw new NotFoundError('This organization was not offboarded');
  ctx.body = kept;
};

export const offboardingRoutes = (deps: OffboardingRouteDeps): Router => {
  const router = new Router();
  router.post('/:id/offboard', offboard(deps));
  router.get('/:id/offboarding-certificate', certificate(deps));
  return router;
};
