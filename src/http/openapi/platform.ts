/**
 * The OpenAPI operations of the platform routes (identity, compliance, audit, projections), with
 * the request schemas their routes validate with. Routes missing here are still documented, with
 * a generic operation (see `document.ts`).
 */
import { schemaOf } from '../../commands/validate.js';
import { apiClientBody, organizationBody, reasonBody, userBody } from '../identity/schemas.js';
import { consentBody, restrictionBody } from '../compliance/consents.js';
import { policyBody } from '../compliance/retention.js';
import { AUDIT_FILTERS, AUDIT_PARAMS } from '../../queries/audit.js';
import { body, json, operation, ref, type Operation, type Schema } from './shapes.js';

/** The component schemas of the platform routes' bodies. */
export const platformSchemas = (): Record<string, Schema> => ({
  NewOrganization: schemaOf(organizationBody) as Schema,
  NewUser: schemaOf(userBody) as Schema,
  NewApiClient: schemaOf(apiClientBody) as Schema,
  Reason: schemaOf(reasonBody) as Schema,
  ConsentChange: schemaOf(consentBody) as Schema,
  ProcessingRestriction: schemaOf(restrictionBody) as Schema,
  RetentionPolicy: schemaOf(policyBody) as Schema,
});

const query = (name: string, description: string) => ({ name, in: 'query', required: false, schema: { type: 'string' }, description });
const audit = (names: readonly string[]) => names.map((name) => query(name, `Filter or page: ${name}`));
const write = (summary: string, schema: string, status = 200) =>
  operation(summary, { requestBody: body(ref(schema)), responses: { [status]: json(ref('WriteResult')) } });

const IMPORT_SUMMARY = {
  type: 'object', required: ['rows', 'created', 'skipped', 'failed', 'errors', 'errorsOmitted'],
  properties: {
    rows: { type: 'integer' }, created: { type: 'integer' }, skipped: { type: 'integer', description: 'Rows imported before (same content)' },
    failed: { type: 'integer' }, errorsOmitted: { type: 'integer' },
    errors: { type: 'array', maxItems: 1000, items: { type: 'object', required: ['row', 'code', 'detail'], properties: { row: { type: 'integer' }, code: { type: 'string' }, detail: { type: 'string' } } } },
  },
};
const csvImport = (what: string) => operation(`Import ${what} from CSV (streamed, at most 200 MB; re-sending creates nothing twice)`, {
  requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } } } },
  responses: { 200: json(IMPORT_SUMMARY) },
});

/** Operations keyed `METHOD /koa/path/:param` as the API mounts them. */
export const platformOperations = (): Record<string, Operation> => ({
  'POST /api/superadmin/organizations': write('Create an organization (tenant) with its first admin', 'NewOrganization', 201),
  'GET /api/superadmin/organizations': operation('List organizations'),
  'GET /api/superadmin/organizations/:id': operation('Read an organization'),
  'POST /api/superadmin/organizations/:id/suspend': write('Suspend an organization: its users are refused', 'Reason'),
  'POST /api/superadmin/organizations/:id/reactivate': operation('Reactivate a suspended organization', { responses: { 200: json(ref('WriteResult')) } }),
  'POST /api/admin/users': write('Create a user of the caller\'s organization', 'NewUser', 201),
  'POST /api/admin/users/:id/deactivate': write('Deactivate a user', 'Reason'),
  'POST /api/admin/clients': write('Register an integration client (its secret is answered once)', 'NewApiClient', 201),
  'POST /api/admin/clients/:id/revoke': write('Revoke an integration client', 'Reason'),
  'POST /api/compliance/subjects/:subjectId/erase': operation('Erase a data subject (crypto-shredding)', { requestBody: body(ref('Reason')) }),
  'GET /api/compliance/subjects/:subjectId/export': operation('A data subject\'s access export'),
  'POST /api/compliance/subjects/:subjectId/consents': write('Record a consent given or withdrawn for a purpose', 'ConsentChange'),
  'POST /api/compliance/subjects/:subjectId/restriction': write('Restrict, or lift the restriction of, a subject\'s processing', 'ProcessingRestriction'),
  'PUT /api/compliance/retention-policies/:policyId': write('Set a retention policy (record type, filter, age) of the tenant', 'RetentionPolicy'),
  'GET /api/compliance/classification': operation('The classification of every record type\'s fields'),
  'GET /api/superadmin/projections': operation('Each projection\'s checkpoint, lag and status'),
  'POST /api/superadmin/projections/:name/rebuild': operation('Rebuild a projection without downtime', { responses: { 202: { description: 'Rebuilding' } } }),
  'POST /sales/imports/contacts': csvImport('contacts'),
  'POST /sales/imports/leads': csvImport('leads'),
  'GET /api/audit/verify': operation('Verify the tamper-evidence chain of the log'),
  'GET /api/audit/events': operation('The tenant\'s events, filtered', { parameters: audit(AUDIT_PARAMS) }),
  'GET /api/audit/events/export': operation('The tenant\'s events as JSON lines', { parameters: [{ ...query('format', 'jsonl'), required: true }, ...audit(AUDIT_FILTERS)] }),
});
