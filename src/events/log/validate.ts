/**
 * Input checks shared by every store implementation, run before anything is written, so both
 * stores refuse the same bad appends with the same typed errors.
 */
import {
  InvalidAppendError,
  MAX_APPEND_BYTES,
  MAX_EVENTS_PER_APPEND,
  type ExpectedRevision,
  type NewEvent,
} from './port.js';
import { assertStreamName } from './stream-name.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EVENT_TYPE = /^[A-Za-z][A-Za-z0-9_.]{0,127}$/;

/** An event serialized once; stores write these strings as they are. */
export type SerializedEvent = { event: NewEvent; data: string; metadata: string };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const fail = (code: string, message: string): never => {
  throw new InvalidAppendError(code, message);
};

/** `undefined` means `any`; anything else must be one of the four forms. */
export const assertExpectedRevision = (expected: unknown): ExpectedRevision => {
  if (expected === undefined || expected === 'any') return 'any';
  if (expected === 'no_stream' || expected === 'stream_exists') return expected;
  if (typeof expected === 'bigint' && expected >= 0n) return expected;
  return fail('invalid_expected_revision', `Unknown expected revision: ${String(expected)}`);
};

const serializeEvent = (event: NewEvent, index: number): SerializedEvent => {
  if (!isPlainObject(event)) fail('invalid_event', `Event ${index} is not an object`);
  if (typeof event.id !== 'string' || !UUID.test(event.id)) fail('invalid_event', `Event ${index}: id must be a lowercase UUID`);
  if (typeof event.type !== 'string' || !EVENT_TYPE.test(event.type)) fail('invalid_event', `Event ${index}: invalid type`);
  if (!Number.isInteger(event.schemaVersion) || event.schemaVersion < 1) {
    fail('invalid_event', `Event ${index}: schemaVersion must be a positive integer`);
  }
  if (!isPlainObject(event.data) || !isPlainObject(event.metadata)) {
    fail('invalid_event', `Event ${index}: data and metadata must be JSON objects`);
  }
  const data = JSON.stringify(event.data);
  const metadata = JSON.stringify(event.metadata);
  return { event, data, metadata };
};

/**
 * Checks a whole append and serializes its events: stream name, expected revision, 1 to 1,000
 * events, UUID ids unique within the append, and at most 1 MiB of data + metadata in all.
 */
export const prepareAppend = (stream: string, events: NewEvent[], expected: unknown): {
  expected: ExpectedRevision;
  serialized: SerializedEvent[];
} => {
  assertStreamName(stream);
  const expectedRevision = assertExpectedRevision(expected);
  if (!Array.isArray(events) || events.length === 0) fail('empty_append', 'An append needs at least one event');
  if (events.length > MAX_EVENTS_PER_APPEND) fail('append_too_large', `At most ${MAX_EVENTS_PER_APPEND} events per append`);
  const serialized = events.map(serializeEvent);
  if (new Set(events.map((e) => e.id)).size !== events.length) fail('invalid_event', 'Event ids repeat within one append');
  const bytes = serialized.reduce((sum, s) => sum + Buffer.byteLength(s.data) + Buffer.byteLength(s.metadata), 0);
  if (bytes > MAX_APPEND_BYTES) fail('event_too_large', `Append is ${bytes} bytes; the limit is ${MAX_APPEND_BYTES}`);
  return { expected: expectedRevision, serialized };
};
