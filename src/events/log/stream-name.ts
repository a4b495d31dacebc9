/**
 * Stream names are built by one function from (tenant, aggregate type, id) and carry the tenant,
 * so the store access layer can refuse anything outside a tenant. Client input never names a stream.
 *
 * Form: `<tenant>/<aggregate type>/<id>`, e.g. `acme/sales.contact/0190f3c2-…`.
 * The platform's own records (organizations, platform users) use the tenant `platform`.
 */
import { InvalidAppendError } from './port.js';

const TENANT = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const AGGREGATE_TYPE = /^[a-z][a-zA-Z0-9]*(?:\.[a-z][a-zA-Z0-9]*){0,3}$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export const PLATFORM_TENANT = 'platform';

/** Whether `id` can name an aggregate instance (anything else names no record: a 404 to a client). */
export const isAggregateId = (id: string): boolean => ID.test(id);

export type StreamId = { tenantId: string; aggregateType: string; id: string };

const check = (part: string, value: string, pattern: RegExp): void => {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new InvalidAppendError('invalid_stream_name', `Invalid ${part} in stream name: ${JSON.stringify(value)}`);
  }
};

/** Builds the stream name of one aggregate instance; throws `invalid_stream_name` on bad parts. */
export const streamName = (tenantId: string, aggregateType: string, id: string): string => {
  check('tenant', tenantId, TENANT);
  check('aggregate type', aggregateType, AGGREGATE_TYPE);
  check('id', id, ID);
  return `${tenantId}/${aggregateType}/${id}`;
};

/** The three patterns in one (none admits `/`; each captures nothing itself): a valid name is parsed by one match. */
const WHOLE = new RegExp(`^(${TENANT.source.slice(1, -1)})/(${AGGREGATE_TYPE.source.slice(1, -1)})/(${ID.source.slice(1, -1)})$`);

/** Parses a stream name built by `streamName`; throws `invalid_stream_name` otherwise. */
export const parseStreamName = (name: string): StreamId => {
  // Every event read runs this: one match for a valid name; the part-by-part checks name what is wrong.
  const match = typeof name === 'string' ? WHOLE.exec(name) : null;
  if (match) return { tenantId: match[1]!, aggregateType: match[2]!, id: match[3]! };
  const parts = typeof name === 'string' ? name.split('/') : [];
  if (parts.length !== 3) {
    throw new InvalidAppendError('invalid_stream_name', `Invalid stream name: ${JSON.stringify(name)}`);
  }
  const [tenantId, aggregateType, id] = parts as [string, string, string];
  streamName(tenantId, aggregateType, id);
  return { tenantId, aggregateType, id };
};

/** Both stores accept only names that `streamName` could have built. */
export const assertStreamName = (name: string): void => {
  parseStreamName(name);
};
