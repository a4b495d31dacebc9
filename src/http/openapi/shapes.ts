/** Small builders of OpenAPI 3.1 objects, and the shapes every API answer shares. */

export type Schema = Record<string, unknown>;
export type Operation = Record<string, unknown> & { responses: Record<string, unknown> };

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** A JSON answer. */
export const json = (schema: Schema, description = 'OK') => ({ description, content: { 'application/json': { schema } } });

/** A JSON request body. */
export const body = (schema: Schema, required = true) => ({ required, content: { 'application/json': { schema } } });

const PROBLEM_ANSWER = { description: 'An RFC 9457 problem', content: { 'application/problem+json': { schema: ref('Problem') } } };

/** An operation whose failures are problems (400, 401, 403, 404, 409, 412, 413, 422, 429…). */
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
