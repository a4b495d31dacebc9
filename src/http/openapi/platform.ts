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
import { DATA_CLASSES } from '../../events/classification.js';
import { CONSENT_PURPOSES, RESTRICTION_GROUNDS } from '../../events/compliance/consent.js';
import { MODULES } from '../../access/access-directory.js';
import { body, created, json, operation, ref, type Operation, type Schema } from './shapes.js';

const string: Schema = { type: 'string' };
const integer: Schema = { type: 'integer' };
const time: Schema = { type: 'string', format: 'date-time' };
const orNull = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] });
const object = (properties: Record<string, Schema>, required = Object.keys(properties), open = false): Schema =>
  ({ type: 'object', required, properties, ...(open ? { additionalProperties: true } : {}) });
const list = (items: Schema): Schema => ({ type: 'array', items });

/** A record's event as its history answers it (`queries/records.ts`, `historyEntryOf`). */
const HISTORY_ENTRY = object({
  type: string, revision: integer, position: integer, occurredAt: time, actorId: orNull(string), correlationId: orNull(string),
  data: { type: 'object', additionalProperties: true }, erased: { ...list(string), description: 'Paths of personal values erased' },
});

const ERASURE = object({ erasedAt: time, erasedBy: string, reason: string, position: integer });

/** A subject's restriction of processing (`queries/compliance/consent.ts`, `consentView`). */
const RESTRICTION = object({ restricted: { type: 'boolean' }, ground: { enum: [...RESTRICTION_GROUNDS] }, since: time }, ['restricted']);
const SUBJECT = { subjectId: { type: 'string', format: 'uuid' }, erased: { type: 'boolean' } };

/** An organization as the directory lists it (`http/identity/organizations.ts`). */
const ORGANIZATION = {
  id: string, slug: string, name: string, createdAt: time,
  status: { enum: ['active', 'suspended'], description: 'An offboarded organization reads as suspended (its offboarding certificate tells them apart)' },
};

/** A projection's state (`http/superadmin/projections.ts`, `statusJson`): positions as numbers. */
const PROJECTION = object({
  name: string, version: integer, status: { enum: ['catching_up', 'live', 'rebuilding', 'failed'] }, checkpoint: integer,
  lag: { ...integer, description: 'Events in the log after the checkpoint' }, rate: { type: 'number', description: 'Events applied per second, over the last ten seconds' },
  error: object({ position: integer, message: string, attempts: integer, retryAt: time }),
  rebuild: object({ version: integer, generation: integer, checkpoint: integer, lag: integer }),
}, ['name', 'version', 'status', 'checkpoint', 'lag', 'rate']);

/** The answers of the platform routes (health, audit, compliance, organizations, projections), as their route code builds them. */
const answerSchemas = (): Record<string, Schema> => ({
  OrganizationPage: object({ data: list(object(ORGANIZATION)), page: object({ nextCursor: { type: 'null' } }) }),
  Organization: object({ ...ORGANIZATION, modules: object(Object.fromEntries(MODULES.map((m) => [m, { type: 'boolean' }]))) }),
  Projections: object({ data: list(PROJECTION) }),
  SubjectConsents: object({
    ...SUBJECT, restriction: RESTRICTION,
    consents: list(object({ purpose: { enum: [...CONSENT_PURPOSES] }, status: { enum: ['granted', 'withdrawn'] }, source: string, at: time })),
  }),
  SubjectRestriction: { ...RESTRICTION, required: ['subjectId', 'erased', 'restricted'], properties: { ...SUBJECT, ...RESTRICTION.properties as object } },
  ProcessingDecision: object({
    subjectId: SUBJECT.subjectId, purpose: { enum: [...CONSENT_PURPOSES] }, allowed: { type: 'boolean' },
    refusals: { ...list({ enum: ['erased', 'restricted', 'no_consent', 'consent_withdrawn'] }), description: 'Every reason processing is not allowed' },
  }),
  Liveness: object({ status: { const: 'ok' } }),
  Readiness: object({
    status: { enum: ['ok', 'degraded'], description: '`degraded`: the stores answer but a projection failed (its error: `GET /api/superadmin/projections`)' },
    checks: { type: 'object', additionalProperties: { type: 'string' }, description: 'Each check (`eventStore`, `readModel`, `projections`): `ok` or `failed: …`' },
  }),
  ChainReport: object({
    ok: { type: 'boolean' }, eventsChecked: { ...integer, description: 'Events whose link was recomputed and matched' },
    headPosition: orNull(integer), headHash: orNull(string), unsealed: { ...integer, description: 'Events after the last link, not sealed yet' },
    broken: orNull(object({
      position: integer, stream: { ...orNull(string), description: '`null` when it is another organization\'s' }, eventId: orNull(string),
      problem: { enum: ['changed', 'missing', 'inserted', 'unreadable'] }, detail: string,
      otherTenant: { type: 'boolean', description: 'Present (true) when the break is in another organization\'s stream' },
    }, ['position', 'stream', 'eventId', 'problem', 'detail'])),
  }),
  AuditPage: object({
    data: list({
      ...HISTORY_ENTRY,
      required: [...(HISTORY_ENTRY.required as string[]), 'stream', 'recordId', 'recordType', 'withheld'],
      properties: {
        ...(HISTORY_ENTRY.properties as Record<string, Schema>), stream: string, recordId: string, recordType: string,
        withheld: { ...list(string), description: 'Personal fields withheld from a reader without `audit.personal:read`' },
      },
    }),
    page: object({ nextCursor: orNull(string) }),
  }),
  SubjectExport: object({
    subjectId: string,
    erased: { type: 'boolean' },
    erasures: list(ERASURE),
    mergedSubjects: {
      ...list(object({ subjectId: string, erased: { type: 'boolean' }, erasures: list(ERASURE) })),
      description: 'The other subjects of the same person (contacts merged with one of theirs, however far the merges chain): their records are in `records` and `attended` too',
    },
    records: list(object({
      recordType: string, id: string,
      state: { ...orNull({ type: 'object', additionalProperties: true }), description: 'The record\'s current state (`null` when not a catalogue record)' },
      events: list(HISTORY_ENTRY),
    })),
    attended: { ...list(object({
      recordType: string, id: string, kind: string, subject: orNull(string), startsAt: orNull(time), endsAt: orNull(time),
      activityStatus: string, status: string, attendee: object({ type: string, id: string }), attending: { type: 'boolean' }, erasedFields: list(string),
    })), description: 'The meetings and calls listing one of the subject\'s records as an attendee, other than those in `records`' },
  }),
  Classification: object({
    classes: list({ enum: [...DATA_CLASSES] }),
    data: list(object({ recordType: string, fields: list(object({ field: string, class: { enum: [...DATA_CLASSES] }, encrypted: { type: 'boolean' } })) })),
  }),
  RetentionPolicies: object({
    data: list(object({ policyId: string, recordType: string, filter: string, olderThan: { ...string, description: 'An ISO 8601 duration' } })),
    lastSweep: orNull(object({
      sweepId: string, ranAt: time,
      policies: list(object({
        policyId: string, recordType: string, cutoff: time, records: list(string), subjectsErased: integer, subjectsAlreadyErased: integer,
        skipped: {
          ...list(object({ recordType: string, id: string, subjectId: string, reason: { const: 'subject_shared' }, sharedWith: list(object({ recordType: string, id: string })) })),
          description: 'Selected records whose person was not erased: the records in `sharedWith`, selected by no policy, still hold their data',
        },
      }, undefined, true)),
    }, undefined, true)),
  }),
});

/** The component schemas of the platform routes' bodies and answers. */
export const platformSchemas = (): Record<string, Schema> => ({
  ...answerSchemas(),
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
  operation(summary, { requestBody: body(ref(schema)), responses: { [status]: status === 201 ? created(ref('WriteResult')) : json(ref('WriteResult')) } });
const read = (summary: string, schema: string, parts: Partial<Operation> = {}) => operation(summary, { ...parts, responses: { 200: json(ref(schema)) } });

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
  'GET /api/superadmin/organizations': read('List organizations (all of them, one page)', 'OrganizationPage'),
  'GET /api/superadmin/organizations/:id': read('Read an organization, with its modules', 'Organization'),
  'POST /api/superadmin/organizations/:id/suspend': write('Suspend an organization: its users are refused', 'Reason'),
  'POST /api/superadmin/organizations/:id/reactivate': operation('Reactivate a suspended organization', { responses: { 200: json(ref('WriteResult')) } }),
  'POST /api/admin/users': write('Create a user of the caller\'s organization', 'NewUser', 201),
  'POST /api/admin/users/:id/deactivate': write('Deactivate a user', 'Reason'),
  'POST /api/admin/clients': write('Register an integration client (its secret is answered once)', 'NewApiClient', 201),
  'POST /api/admin/clients/:id/revoke': write('Revoke an integration client', 'Reason'),
  'POST /api/compliance/subjects/:subjectId/erase': operation('Erase a data subject (crypto-shredding)', { requestBody: body(ref('Reason')) }),
  'GET /api/compliance/subjects/:subjectId/export': read('A data subject\'s access export: every record and event naming them, decrypted', 'SubjectExport'),
  'POST /api/compliance/subjects/:subjectId/consents': write('Record a consent given or withdrawn for a purpose', 'ConsentChange'),
  'GET /api/compliance/subjects/:subjectId/consents': read('A data subject\'s consents by purpose and their restriction of processing', 'SubjectConsents'),
  'GET /api/compliance/subjects/:subjectId/restriction': read('Whether a data subject\'s processing is restricted, on which ground, since when', 'SubjectRestriction'),
  'GET /api/compliance/subjects/:subjectId/processing': read('Whether the tenant may process a data subject for a purpose, and every reason it may not', 'ProcessingDecision', {
    parameters: [{ name: 'purpose', in: 'query', required: true, schema: { enum: [...CONSENT_PURPOSES] } }],
  }),
  'POST /api/compliance/subjects/:subjectId/restriction': write('Restrict, or lift the restriction of, a subject\'s processing', 'ProcessingRestriction'),
  'PUT /api/compliance/retention-policies/:policyId': write('Set a retention policy (record type, filter, age) of the tenant', 'RetentionPolicy'),
  'GET /api/compliance/classification': read('The classification of every record type\'s fields', 'Classification'),
  'GET /api/compliance/retention-policies': read('The organization\'s retention policies and what the last sweep did', 'RetentionPolicies'),
  'DELETE /api/compliance/retention-policies/:policyId': operation('Remove a retention policy', { responses: { 200: json(ref('WriteResult')) } }),
  'POST /api/compliance/retention-policies/sweep': operation('Run the retention sweeper now (a job)', {
    responses: { 202: json(object({ sweepId: string, jobId: string }), 'The sweep is queued') },
  }),
  'GET /api/superadmin/projections': read('Each projection\'s checkpoint, lag and status', 'Projections'),
  'POST /api/superadmin/projections/:name/rebuild': operation('Rebuild a projection without downtime', { responses: { 202: { description: 'Rebuilding' } } }),
  'POST /sales/imports/contacts': csvImport('contacts'),
  'POST /sales/imports/leads': csvImport('leads'),
  'GET /api/audit/verify': read('Verify the tamper-evidence chain of the log', 'ChainReport'),
  'GET /api/audit/events': read('The tenant\'s events, filtered', 'AuditPage', { parameters: audit(AUDIT_PARAMS) }),
  'GET /api/audit/events/export': operation('The tenant\'s events as JSON lines', {
    parameters: [{ ...query('format', 'jsonl'), required: true }, ...audit(AUDIT_FILTERS)],
    responses: { 200: { description: 'One event a line, as `GET /api/audit/events` answers them', content: { 'application/x-ndjson': { schema: string } } } },
  }),
  'GET /health/live': read('Liveness: the process answers', 'Liveness'),
  'GET /health/ready': read('Readiness: every store answers and the server is not draining (else 503); a failed projection answers 200 `degraded`', 'Readiness'),
});
