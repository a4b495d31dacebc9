/**
 * The OpenAPI operations of a catalogue-record resource, derived from its `RecordKind` with the
 * very schemas its routes validate with (`recordValidators`, the archive and owner bodies).
 */
import { recordValidators } from '../../commands/catalogue.js';
import { schemaOf } from '../../commands/validate.js';
import type { RecordKind } from '../../events/catalogue.js';
import { catalogueListSpec } from '../../projections/catalogue-columns.js';
import { archiveBody, ownerBody } from '../records.js';
import { CONSISTENCY_POSITION, FILTER_DESCRIPTION } from './conventions.js';
import { body, created, json, operation, ref, tagged, type Operation, type Schema } from './shapes.js';

/** What the document needs of a resource (the API's list of record resources). */
export type DocumentedResource = { kind: RecordKind; path: string };

/** `sales.contact` → `SalesContact`. */
export const componentName = (kind: RecordKind): string =>
  kind.type.split(/[._-]/).map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');

const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] });

/** A write schema as a read: the server adds what it computes (a quote line's `net`, its tax rate), so no `additionalProperties: false`. */
const asRead = (schema: unknown): unknown => {
  if (Array.isArray(schema)) return schema.map(asRead);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(Object.entries(schema).filter(([key, value]) => !(key === 'additionalProperties' && value === false)).map(([key, value]) => [key, asRead(value)]));
};

/** A record as reads answer it; any field may be `null` once its data subject was erased. */
const viewSchema = (kind: RecordKind): Schema => ({
  type: 'object',
  required: ['id', 'status', 'ownerId', 'tags', 'revision', 'createdAt', 'updatedAt'],
  properties: {
    ...Object.fromEntries(Object.entries(kind.fields).map(([name, schema]) => [name, nullable(asRead(schema) as Schema)])),
    id: { type: 'string' },
    ...(kind.subject !== undefined ? { subjectId: nullable({ type: 'string', format: 'uuid' }) } : {}),
    status: { enum: ['active', 'archived'] },
    ownerId: nullable({ type: 'string' }),
    tags: { type: 'array', items: { type: 'string' } },
    revision: { type: 'integer', minimum: 0 },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    erasedFields: { type: 'array', items: { type: 'string' } },
  },
});

/** The component schemas of a kind: its view and its create, patch and tags bodies. */
export const recordSchemas = (kind: RecordKind): Record<string, Schema> => {
  const validate = recordValidators(kind);
  const name = componentName(kind);
  return {
    [name]: viewSchema(kind),
    [`${name}Create`]: schemaOf(validate.create) as Schema,
    [`${name}Patch`]: schemaOf(validate.patch) as Schema,
    [`${name}Tags`]: schemaOf(validate.tags) as Schema,
    ArchiveBody: schemaOf(archiveBody) as Schema,
    OwnerBody: schemaOf(ownerBody) as Schema,
  };
};

const listParameters = (kind: RecordKind, paging: boolean) => {
  const spec = catalogueListSpec(kind, { records: kind.type });
  const query = (name: string, schema: Schema, description: string) => ({ name, in: 'query', required: false, schema, description });
  return [
    query('filter', { type: 'string' }, `${FILTER_DESCRIPTION} Fields: ${spec.filterable.join(', ')}.`),
    query('sort', { type: 'string' }, `Fields, \`-\` for descending; default ${spec.defaultSort}; fields: ${spec.sortable.join(', ')}`),
    ...(paging ? [
      query('limit', { type: 'integer', minimum: 1, maximum: 200, default: 50 }, 'Page size'),
      query('cursor', { type: 'string' }, 'The previous page\'s `page.nextCursor`'),
    ] : []),
    ...(kind.searchable?.length ? [query('q', { type: 'string' }, `Full-text search over ${kind.searchable.join(', ')}`)] : []),
    CONSISTENCY_POSITION,
  ];
};

const ID = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
export const IF_MATCH = { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' }, description: 'The ETag (revision) the change applies to; 412 otherwise' };

/** A list page of `item`s with its next cursor. */
export const pageOf = (item: Schema): Schema => ({
  type: 'object', required: ['data', 'page'],
  properties: { data: { type: 'array', items: item }, page: { type: 'object', properties: { nextCursor: nullable({ type: 'string' }) } } },
});

const EXPORT_FORMAT = { name: 'format', in: 'query', required: true, schema: { enum: ['csv', 'jsonl'] } };
const EXPORT_BODY = { 'text/csv': { schema: { type: 'string' } }, 'application/x-ndjson': { schema: { type: 'string' } } };

const MERGE_PATCH = [
  'A JSON Merge Patch (RFC 7386), sent as `application/merge-patch+json` or `application/json`: the fields it names change, others stay;',
  'an object merges into the field\'s object member by member (at any depth), `null` clears a field or removes a member, arrays and other',
  'values replace. The merged record must be valid: a required member removed or an invalid merged object is a 400 with the pointer',
  '(`/amount/currency`), nothing written.',
].join(' ');

/** A merge patch body of `schema`, in both media types the API reads it in. */
const mergePatchBody = (schema: Schema) => ({
  required: true, description: MERGE_PATCH, content: { 'application/merge-patch+json': { schema }, 'application/json': { schema } },
});

const OWNER_REFUSALS = 'An `ownerId` other than the caller\'s own id must name an active or invited user of the tenant: '
  + '422 `owner_not_found` (no user of the tenant) or `owner_not_active` (deactivated or erased), with an error at `/ownerId`; nothing written.';

/** The operations of a resource, keyed `METHOD /koa/path/:param` as its router mounts them. */
export const recordOperations = ({ kind, path }: DocumentedResource): Record<string, Operation> => {
  const name = componentName(kind);
  const write = (summary: string, schema?: string, required = true) =>
    operation(summary, { parameters: [ID, IF_MATCH], ...(schema ? { requestBody: body(ref(schema), required) } : {}), responses: { 200: json(ref('WriteResult')) } });
  return {
    [`POST ${path}`]: operation(`Create a ${name}`, { description: OWNER_REFUSALS, requestBody: body(ref(`${name}Create`)), responses: { 201: created(ref('WriteResult')) } }),
    [`GET ${path}`]: operation(`List ${name} records`, { parameters: listParameters(kind, true), responses: { 200: json(pageOf(ref(name))) } }),
    [`GET ${path}/export`]: operation(`Export ${name} records`, { parameters: [EXPORT_FORMAT, ...listParameters(kind, false)], responses: { 200: { description: 'The records', content: EXPORT_BODY } } }),
    [`GET ${path}/:id`]: operation(`Read a ${name}`, {
      parameters: [ID, { name: 'asOf', in: 'query', required: false, schema: { type: 'string' }, description: 'A revision or an ISO time: the past state' }],
      responses: { 200: tagged(ref(name), 'The record as it is, or was at `asOf`') },
    }),
    [`GET ${path}/:id/history`]: operation(`The events of a ${name}`, { parameters: [ID], responses: { 200: json(ref('History')) } }),
    [`PATCH ${path}/:id`]: operation(`Change fields of a ${name} (JSON Merge Patch)`, {
      parameters: [ID, IF_MATCH], requestBody: mergePatchBody(ref(`${name}Patch`)), responses: { 200: json(ref('WriteResult')) },
    }),
    [`POST ${path}/:id/archive`]: write(`Archive a ${name}`, 'ArchiveBody', false),
    [`POST ${path}/:id/restore`]: write(`Restore an archived ${name}`),
    [`PUT ${path}/:id/owner`]: { ...write(`Assign the owner of a ${name}`, 'OwnerBody'), description: `${OWNER_REFUSALS} The current owner sent again changes nothing.` },
    [`POST ${path}/:id/tags`]: write(`Add or remove tags of a ${name}`, `${name}Tags`),
  };
};
