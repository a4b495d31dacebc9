/** Small builders of OpenAPI 3.1 objects, and the shapes every API answer shares. */

export type Schema = Record<string, unknown>;
export type Operation = Record<string, unknown> & { responses: Record<string, unknown> };

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** An answer `{ data: [item…] }`, with `page` (`{ nextCursor }`) when given its schema. */
export const dataOf = (item: Schema, page?: Schema): Schema => ({
  type: 'object', required: page ? ['data', 'page'] : ['data'],
  properties: { data: { type: 'array', items: item }, ...(page ? { page } : {}) },
});

/** A JSON answer. */
export const json = (schema: Schema, description = 'OK') => ({ description, content: { 'application/json': { schema } } });

/** A JSON request body. */
export const body = (schema: Schema, required = true) => ({ required, content: { 'application/json': { schema } } });

/** Headers of an answer, OpenAPI header objects by name. */
type Headers = Record<string, { description: string; schema: Schema }>;

/** `answer` with `headers` beside those it declares already. */
export const withHeaders = <A extends Record<string, unknown>>(answer: A, headers: Headers): A & { headers: Headers } =>
  ({ ...answer, headers: { ...((answer.headers as Headers | undefined) ?? {}), ...headers } });

/** The `ETag` of an answer: the revision it shows or wrote, as `If-Match` takes it back (`command-context.ts`). */
export const ETAG_HEADER = { description: 'The revision, `"<revision>"`: send it as `If-Match` to make a later write conditional', schema: { type: 'string', pattern: '^"[0-9]+"$' } };

/** A JSON answer carrying the `ETag` of the revision it shows. */
export const tagged = (schema: Schema, description = 'OK') => withHeaders(json(schema, description), { ETag: ETAG_HEADER });

/** A 201 answer: JSON, and the created resource's path in `Location`. */
export const created = (schema: Schema, description = 'Created') =>
  withHeaders(json(schema, description), { Location: { description: 'The path of the created resource', schema: { type: 'string' } } });

const problemAnswer = (description: string, headers?: Headers) =>
  ({ description, ...(headers ? { headers } : {}), content: { 'application/problem+json': { schema: ref('Problem') } } });

const RETRY_AFTER = { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } };

/** The problem answers operations reference by status (`#/components/responses/<name>`; which ones: `conventions.ts`). */
export const PROBLEM_RESPONSES = {
  BadRequest: problemAnswer('Malformed input: a body, query parameter or header that does not validate (`validation_failed`, `invalid_query`, '
    + '`invalid_filter`, `invalid_if_match`, `invalid_if_none_match`, `invalid_idempotency_key`, `invalid_consistency_position`…), with field errors in `errors[]`'),
  Unauthorized: problemAnswer('No valid access token (`missing_token`, `invalid_token`…)', {
    'WWW-Authenticate': { description: 'The bearer challenge, `Bearer realm="crm"` with the error', schema: { type: 'string' } },
  }),
  Forbidden: problemAnswer('The caller\'s roles do not grant the permission (`forbidden`, `grant_not_held`), or the module is disabled for the '
    + 'organization (`module_disabled`), or the organization is suspended (`organization_suspended`)'),
  NotFound: problemAnswer('No such resource (`not_found`); another organization\'s resource is a 404 too'),
  Conflict: problemAnswer('The write conflicts with the resource\'s state (a rule\'s code, e.g. `record_archived`), or with another write '
    + '(`concurrent_modification`: nothing was written, send it again), or the first request with this `Idempotency-Key` is still running '
    + '(`idempotency_in_progress`, with `Retry-After`)', { 'Retry-After': RETRY_AFTER }),
  PreconditionFailed: problemAnswer('`precondition_failed`: `If-Match` names a revision the resource is no longer at, '
    + 'or `If-None-Match: *` finds it written already (nothing was written)'),
  UnprocessableContent: problemAnswer('Well-formed input a rule refuses (a rule\'s code, e.g. `invalid_stage`), or an `Idempotency-Key` already '
    + 'used with another request (`idempotency_key_reused`)'),
  TooManyRequests: problemAnswer('`rate_limited`: over a rate limit (per IP, stricter on credential endpoints, and per client and user)', {
    'Retry-After': RETRY_AFTER,
  }),
} as const;

export type ProblemResponse = keyof typeof PROBLEM_RESPONSES;

/** A reference to one of `PROBLEM_RESPONSES`. */
export const problemRef = (name: ProblemResponse) => ({ $ref: `#/components/responses/${name}` });

const PROBLEM_ANSWER = problemAnswer('An RFC 9457 problem (any other status, e.g. 413, 415, 503)');

/** An operation whose failures are problems; which 4XX it documents is added from its route (`conventions.ts`), the rest is `default`. */
export const operation = (summary: string, parts: Partial<Operation> = {}): Operation => ({
  summary,
  ...parts,
  responses: { ...(parts.responses ?? { 200: { description: 'OK' } }), default: PROBLEM_ANSWER },
});

const fieldError = { type: 'object', required: ['pointer', 'message'], properties: { pointer: { type: 'string' }, message: { type: 'string' } } };

/** The schemas every resource shares. */
export const SHARED_SCHEMAS: Record<string, Schema> = {
  Problem: {
    type: 'object',
    required: ['type', 'title', 'status', 'detail', 'code', 'instance', 'correlationId'],
    properties: {
      type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' },
      code: { type: 'string', description: 'Stable, for clients to branch on' }, instance: { type: 'string' },
      correlationId: { type: 'string', description: 'The request id (X-Request-Id)' }, errors: { type: 'array', items: fieldError },
    },
  },
  WriteResult: {
    type: 'object', required: ['id', 'revision', 'position'],
    properties: { id: { type: 'string' }, revision: { type: 'integer', minimum: 0 }, position: { type: 'integer', minimum: 0 } },
  },
  History: {
    type: 'object', required: ['data'],
    properties: {
      data: {
        type: 'array',
        items: {
          type: 'object', required: ['type', 'revision', 'position', 'occurredAt', 'actorId', 'data'],
          properties: {
            type: { type: 'string' }, revision: { type: 'integer' }, position: { type: 'integer' },
            occurredAt: { type: 'string', format: 'date-time' }, actorId: { type: ['string', 'null'] }, data: { type: 'object' },
          },
        },
      },
    },
  },
};
