/**
 * The authenticated API: JSON bodies (1 MB at most, else 413), bearer authentication,
 * `Idempotency-Key`, then the module routers. Its middleware runs only for routes that exist, so
 * an unknown path is a 404 with or without a token.
 */
import Router from '@koa/router';
import type Database from 'better-sqlite3';
import { koaBody } from 'koa-body';
import { AppError, InvalidInputError } from '../errors.js';
import { authenticate, type Verify } from './authenticate.js';
import { idempotency } from './idempotency.js';
import { subjectRoutes } from './compliance/subjects.js';
import { complianceReadRoutes } from './compliance/access.js';
import { auditRoutes } from './audit.js';
import type { ChainDb } from '../events/audit/chain.js';
import { recordRoutes, type RecordResource, type RouteDeps } from './records.js';
import { contactsResource } from './sales/contacts.js';
import { projectionRoutes } from './superadmin/projections.js';
import type { Directory } from '../access/directory.js';
import { accountGate } from './identity/account-gate.js';
import { organizationRoutes } from './identity/organizations.js';
import { userRoutes } from './identity/users.js';
import { apiClientRoutes } from './identity/api-clients.js';
import type { ProjectionRunner } from '../projections/runner.js';

/** Every catalogue-record resource the API serves. */
export const RECORD_RESOURCES: readonly RecordResource[] = [contactsResource];

export type ApiDeps = RouteDeps & {
  verify: Verify; identityDb: Database.Database; projections: ProjectionRunner; chain: ChainDb;
  /** Organizations and users (identity.db); without it their routes and the account gate are absent. */
  directory?: Directory;
};

export const MAX_BODY_BYTES = 1_048_576;

/** Body-parsing failures as typed errors: too large is a 413, anything else a malformed body (400). */
const bodyError = (error: Error): never => {
  if ((error as { status?: number }).status === 413) {
    throw new AppError('payload_too_large', 413, `The body exceeds ${MAX_BODY_BYTES} bytes`);
  }
  throw new InvalidInputError('invalid_json', 'The body is not valid JSON', [{ pointer: '/', message: error.message }]);
};

export const apiRoutes = (deps: ApiDeps): Router => {
  const api = new Router();
  api.use(koaBody({
    json: true, jsonStrict: true, jsonLimit: MAX_BODY_BYTES, urlencoded: false, text: false, multipart: false, onError: bodyError,
  }));
  api.use(authenticate(deps.verify));
  if (deps.directory) api.use(accountGate(deps.directory));
  api.use(idempotency(deps.identityDb));
  const mounts = [
    ...RECORD_RESOURCES.map((resource) => ({ path: resource.path, router: recordRoutes(deps, resource) })),
    { path: '/api/compliance/subjects', router: subjectRoutes(deps) },
    { path: '/api/compliance', router: complianceReadRoutes(deps, RECORD_RESOURCES.map((r) => r.kind)) },
    { path: '/api/audit', router: auditRoutes(deps) },
    { path: '/api/superadmin/projections', router: projectionRoutes(deps.projections) },
    ...(deps.directory ? [
      { path: '/api/superadmin/organizations', router: organizationRoutes({ ...deps, directory: deps.directory }) },
      { path: '/api/admin/users', router: userRoutes({ ...deps, directory: deps.directory }) },
      { path: '/api/admin/clients', router: apiClientRoutes({ ...deps, directory: deps.directory }) },
    ] : []),
  ];
  for (const { path, router } of mounts) api.use(path, router.routes(), router.allowedMethods({ throw: true }));
  return api;
};
