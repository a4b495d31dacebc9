/**
 * `/api/compliance` reads for data-protection officers and auditors (`compliance.*:read`): the
 * classification of every record type's fields (the catalogue's and identity's), and a data
 * subject's access export.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { authorize } from '../../access/policy.js';
import type { RecordKind } from '../../events/catalogue.js';
import { DATA_CLASSES, classificationOf, declaredClassificationOf } from '../../events/classification.js';
import { API_CLIENT_CLASSIFICATION } from '../../events/identity/api-client.js';
import { ORGANIZATION_CLASSIFICATION } from '../../events/identity/organization.js';
import { USER_CLASSIFICATION } from '../../events/identity/user.js';
import type { ReadDeps } from '../../queries/records.js';
import { subjectExport } from '../../queries/subject-access.js';
import { principalOf } from '../authenticate.js';
import { queryOf } from '../read-model.js';

const IDENTITY_RECORDS = [USER_CLASSIFICATION, API_CLIENT_CLASSIFICATION, ORGANIZATION_CLASSIFICATION];

/** Listed once, at startup: a record type whose classification disagrees with its encryption stops it. */
const classification = (kinds: readonly RecordKind[]) => {
  const data = [...kinds.map(classificationOf), ...IDENTITY_RECORDS.map(declaredClassificationOf)];
  return async (ctx: Context) => {
    authorize(principalOf(ctx.state), 'compliance.classification:read');
    ctx.body = { classes: DATA_CLASSES, data };
  };
};

const exportSubject = (deps: ReadDeps, kinds: readonly RecordKind[]) => async (ctx: Context) => {
  queryOf(ctx, []); // before scanning the log, not after
  const principal = principalOf(ctx.state);
  authorize(principal, 'compliance.subjects:read');
  ctx.body = await subjectExport(deps, kinds, principal.tenantId, ctx.params.subjectId!);
};

/** The router of `/api/compliance` reads; `kinds` are the catalogue record kinds the API serves. */
export const complianceReadRoutes = (deps: ReadDeps, kinds: readonly RecordKind[]): Router => {
  const router = new Router();
  router.get('/classification', classification(kinds));
  router.get('/subjects/:subjectId/export', exportSubject(deps, kinds));
  return router;
};
