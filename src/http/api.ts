/**
 * The authenticated API: JSON bodies (see `json-body.ts`), bearer authentication,
 * `Idempotency-Key`, then the module routers. Its middleware runs only for routes that exist, so
 * an unknown path is a 404 with or without a token.
 */
import Router from '@koa/router';
import type Database from 'better-sqlite3';
import type { Middleware } from 'koa';
import compose from 'koa-compose';
import { bodyErrorOf, jsonBody, MAX_BODY_BYTES } from './json-body.js';
import { authenticate, type Verify } from './authenticate.js';
import { idempotency } from './idempotency.js';
import { subjectRoutes } from './compliance/subjects.js';
import { complianceReadRoutes } from './compliance/access.js';
import { auditRoutes } from './audit.js';
import type { ChainDb } from '../events/audit/chain.js';
import { served, type RouteDeps, type ServedResource } from './records.js';
import { contactsResource } from './sales/contacts.js';
import { accountsResource } from './sales/accounts.js';
import { leadsResource } from './sales/leads.js';
import { opportunitiesResource } from './sales/opportunities.js';
import { quotesResource } from './sales/quotes.js';
import { activitiesResource } from './sales/activities.js';
import { targetsResource } from './sales/targets.js';
import { reportRoutes } from './sales/reports.js';
import { webFormAdminRoutes } from './sales/web-forms.js';
import { IMPORTS_PATH, importRoutes } from './sales/imports.js';
import { projectionRoutes } from './superadmin/projections.js';
import { salesConfigRoutes } from './superadmin/sales-config.js';
import type { Directory } from '../access/directory.js';
import { accountGate } from './identity/account-gate.js';
import { customRoleGate, moduleGate } from './identity/access-gates.js';
import { accessMounts } from './identity/access-mounts.js';
import type { OAuthSessions } from '../access/oauth/sessions.js';
import { organizationRoutes } from './identity/organizations.js';
import { userRoutes } from './identity/users.js';
import { apiClientRoutes } from './identity/api-clients.js';
import type { ProjectionRunner } from '../projections/runner.js';
import type { ErasureEffects } from '../commands/compliance/erasure.js';
import type { JobQueue } from '../jobs/port.js';
import { complianceRoutes } from './compliance/routes.js';
import { undeclaredQuery } from './read-model.js';

/** Every catalogue-record resource the API serves. */
export const RECORD_RESOURCES: readonly ServedResource[] = [
  served(contactsResource), served(accountsResource), served(leadsResource), served(opportunitiesResource), served(quotesResource),
  served(activitiesResource), served(targetsResource),
];

export type ApiDeps = RouteDeps & {
  verify: Verify; identityDb: Database.Database; projections: ProjectionRunner; chain: ChainDb;
  /** Organizations and users (identity.db); without it their routes and the account gate are absent. */
  directory?: Directory;
  /** The OAuth sessions in the provider's storage; without it `/api/admin/sessions` is absent. */
  sessions?: OAuthSessions;
  /** Rate limit per client and actor, run right after authentication (see `rate-limit.ts`). */
  limitClient?: Middleware;
  /** What an erasure does beyond the log (scrub wait, queued jobs), and the queue retention sweeps go to. */
  erasure: ErasureEffects; jobs: JobQueue;
};

/** The API's body errors (1 MB), kept for the routers that parse their own bodies. */
export const bodyError = bodyErrorOf(MAX_BODY_BYTES);

/**
 * The API's routers, one per mount, each running the API's middleware (body, authentication,
 * limits, gates, idempotency) before its routes, and only for a request one of its routes matches
 * (so an unknown path is a 404 with or without a token). Served through `dispatch`.
 */
export const apiRoutes = (deps: ApiDeps): Router[] => {
  const json = jsonBody();
  const guard: Middleware[] = [
    // An import streams its CSV body itself (one sent as JSON is its 415, not a parse error here).
    (ctx, next) => (ctx.path.toLowerCase().startsWith(`${IMPORTS_PATH}/`) ? next() : json(ctx, next)),
    authenticate(deps.verify),
    ...(deps.limitClient ? [deps.limitClient] : []),
    ...(deps.directory ? [accountGate(deps.directory), customRoleGate(deps.directory), moduleGate(deps.directory)] : []),
    undeclaredQuery,
    idempotency(deps.identityDb),
  ];
  const mounts = [
    ...RECORD_RESOURCES.map((resource) => ({ path: resource.path, router: resource.routes(deps) })),
    { path: '/api/compliance/subjects', router: subjectRoutes(deps) },
    ...complianceRoutes(deps, RECORD_RESOURCES.map((r) => r.kind)),
    { path: '/api/compliance', router: complianceReadRoutes(deps, RECORD_RESOURCES.map((r) => r.kind)) },
    { path: '/api/audit', router: auditRoutes(deps) },
    { path: '/api/superadmin/projections', router: projectionRoutes(deps.projections) },
    { path: '/api/superadmin/sales-config', router: salesConfigRoutes(deps) },
    { path: '/api/admin/forms', router: webFormAdminRoutes(deps) },
    { path: '/sales/reports', router: reportRoutes(deps) },
    { path: IMPORTS_PATH, router: importRoutes(deps) },
    ...(deps.directory ? [
      { path: '/api/superadmin/organizations', router: organizationRoutes({ ...deps, directory: deps.directory }) },
      { path: '/api/admin/users', router: userRoutes({ ...deps, directory: deps.directory }) },
      { path: '/api/admin/clients', router: apiClientRoutes({ ...deps, directory: deps.directory }) },
      ...accessMounts({ ...deps, directory: deps.directory }, RECORD_RESOURCES.map((r) => r.path), deps.sessions),
    ] : []),
  ];
  // One layer for the guard: the router composes the matched layers' middleware on every request.
  const guarded = compose(guard);
  return mounts.map(({ path, router }) => {
    const mounted = new Router();
    mounted.use(guarded);
    mounted.use(path, router.routes());
    return mounted;
  });
};
