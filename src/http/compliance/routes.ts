/** The compliance routers beyond erasure and reads, as `apiRoutes` mounts them. */
import type Router from '@koa/router';
import type { Directory } from '../../access/directory.js';
import type { RecordKind } from '../../events/catalogue.js';
import { offboardingRoutes } from '../superadmin/offboarding.js';
import { consentRoutes } from './consents.js';
import { retentionRoutes, type RetentionRouteDeps } from './retention.js';
import type { SubjectRouteDeps } from './subjects.js';

export type ComplianceRouteDeps = SubjectRouteDeps & RetentionRouteDeps & { directory?: Directory };

export const complianceRoutes = (deps: ComplianceRouteDeps, kinds: readonly RecordKind[]): Array<{ path: string; router: Router }> => [
  { path: '/api/compliance/subjects', router: consentRoutes(deps) },
  { path: '/api/compliance/retention-policies', router: retentionRoutes(deps, kinds) },
  ...(deps.directory ? [{ path: '/api/superadmin/organizations', router: offboardingRoutes({ ...deps, directory: deps.directory }) }] : []),
];
