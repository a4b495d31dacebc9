/**
 * The EventStoreDB event store, over the gRPC client (`@eventstore/db-client` v6). Needs
 * EventStoreDB 22.6 or later: older servers report no $all position on stream reads.
 *
 * Positions: a gRPC append writes each event as its own implicitly committed prepare record, and
 * the server reports such an event at commit = prepare = the record's own log address
 * (EventStore.Core StorageWriterService, AllReader). So either number is unique per event and
 * increasing in $all order; we use `prepare`, which stays unique even for events of legacy TCP
 * explicit transactions (those share one commit position).
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  ANY, BACKWARDS, END, EventStoreDBClient, FORWARDS, MaxAppendSizeExceededError, NO_STREAM, START, STREAM_EXISTS,
  StreamDeletedError, StreamNotFoundError, WrongExpectedVersionError, excludeSystemEvents, jsonEvent,
  type AllStreamSubscription, type AppendExpectedRevision, type Direction, type Position,
  type RecordedEvent as ClientEvent, type StreamingRead,
} from '@eventstore/db-client';
import { AppError } from '../../errors.js';
import {
  EventStoreUnavailableError, InvalidAppendError, WrongExpectedVersion, type ActualRevision, type EventStore,
  type ExpectedRevision, type JsonObject, type NewEvent, type ReadStreamOptions, type RecordedEvent,
  type Subscription,
} from './port.js';
import { assertStreamName } from './stream-name.js';
import { prepareAppend } from './validate.js';

type Client = EventStoreDBClient;
type Take = (event: RecordedEvent) => boolean;

/** Reserved metadata key that carries `schemaVersion`; stripped again on read. */
export const SCHEMA_VERSION_KEY = '$schemaVersion';

const PAGE = 512;
const HEAD_PAGE = 64;
const MAX_READ = 100_000;
// Servers before 22.6 answer 2^64 - 1 for the position of an event read from a stream.
const NO_POSITION = 1n << 63n;

const at = (position: bigint): Position => ({ commit: position, prepare: position });
const clampCount = (maxCount: number): number => Math.max(0, Math.min(Math.trunc(maxCount), MAX_READ));
const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);

const CLIENT_REVISION = { any: ANY, no_stream: NO_STREAM, stream_exists: STREAM_EXISTS } as const;

/** Our expected revision in the client's terms (the helpers below are exported for unit tests). */
export const toClientRevision = (expected: ExpectedRevision): AppendExpectedRevision =>
  typeof expected === 'bigint' ? expected : CLIENT_REVISION[expected];

/** Our errors pass; a version conflict, an oversized append and anything else (unavailable) are mapped. */
export const toStoreError = (error: unknown, stream = '', expected: ExpectedRevision = 'any'): Error => {
  if (error instanceof AppError) return error;
  if (error instanceof WrongExpectedVersionError) {
    const actual: ActualRevision =
      typeof error.actualVersion === 'bigint' && error.actualVersion >= 0n ? error.actualVersion : 'no_stream';
    return new WrongExpectedVersion(stream || error.streamName, expected, actual);
  }
  if (error instanceof MaxAppendSizeExceededError) {
    return new InvalidAppendError('event_too_large', `EventStoreDB refuses appends over ${error.maxAppendSize} bytes`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new EventStoreUnavailableError(`EventStoreDB failed: ${message}`, error);
};

/** `$` streams and `$` types (links, metadata, statistics…) are the server's own. */
export const isSystemEvent = (event: { streamId: string; type: string }): boolean =>
  event.streamId.startsWith('$') || event.type.startsWith('$');

/** The port's one position per event (see the top of the file). */
export const positionOf = (event: ClientEvent): bigint => {
  const prepare = event.position?.prepare;
  if (prepare === undefined || prepare >= NO_POSITION) {
    throw new EventStoreUnavailableError('EventStoreDB reported no event position (22.6 or later is required)');
  }
  return prepare;
};

export const toRecorded = (event: ClientEvent): RecordedEvent => {
  const { [SCHEMA_VERSION_KEY]: schemaVersion, ...metadata } = isObject(event.metadata) ? event.metadata : {};
  return {
    id: event.id,
    type: event.type,
    schemaVersion: typeof schemaVersion === 'number' ? schemaVersion : 1,
    data: isObject(event.data) ? event.data : {},
    metadata,
    stream: event.streamId,
    revision: event.revision,
    position: positionOf(event),
    recordedAt: event.created,
  };
};

const toProposed = ({ id, type, data, metadata, schemaVersion }: NewEvent) =>
  jsonEvent({ id, type, data, metadata: { ...metadata, [SCHEMA_VERSION_KEY]: schemaVersion } });

const collect = async <T>(read: AsyncIterable<T>): Promise<T[]> => {
  const items: T[] = [];
  for await (const item of read) items.push(item);
  return items;
};

/** Cancels a read or a subscription; the listener keeps late gRPC errors from becoming uncaught. */
const stop = (read: StreamingRead<unknown> | AllStreamSubscription): void => {
  read.on('error', () => undefined);
  read.destroy();
  void ('cancel' in read ? read.cancel() : read.unsubscribe()).catch(() => undefined);
};

/** Pages through $all, strictly beyond `after`, handing user events to `take` while it answers true. */
const scan = async (client: Client, direction: Direction, after: bigint | undefined, take: Take): Promise<void> => {
  const page = direction === FORWARDS ? PAGE : HEAD_PAGE;
  let cursor = after;
  for (let count = page; count === page; ) {
    const fromPosition = cursor !== undefined ? at(cursor) : direction === FORWARDS ? START : END;
    const read = client.readAll({ direction, fromPosition, maxCount: page });
    count = 0;
    for await (const { event } of read) {
      count += 1;
      if (!event) continue;
      const position = positionOf(event);
      if (cursor !== undefined && (direction === FORWARDS ? position <= cursor : position >= cursor)) continue;
      cursor = position;
      if (!isSystemEvent(event) && !take(toRecorded(event))) return stop(read);
    }
  }
};

const readStream = async (client: Client, stream: string, options: ReadStreamOptions): Promise<RecordedEvent[]> => {
  const direction = options.direction === 'backwards' ? BACKWARDS : FORWARDS;
  const maxCount = clampCount(options.maxCount ?? MAX_READ);
  const from = options.from ?? (direction === BACKWARDS ? 'end' : 'start');
  const fromRevision = from === 'start' ? START : from === 'end' ? END : from;
  if (maxCount === 0) return [];
  try {
    const resolved = await collect(client.readStream(stream, { direction, fromRevision, maxCount }));
    return resolved.flatMap(({ event }) => (event ? [toRecorded(event)] : []));
  } catch (error) {
    if (error instanceof StreamNotFoundError || error instanceof StreamDeletedError) return [];
    throw error;
  }
};

/**
 * Appends, then reads the last event back for its position: a retry the server recognises is
 * acknowledged without the original position, so the first answer and a retry's both come from there.
 */
const appendEvents = async (client: Client, stream: string, events: NewEvent[], expected: ExpectedRevision) => {
  const proposed = events.map(toProposed);
  const result = await client.appendToStream(stream, proposed, { expectedRevision: toClientRevision(expected) });
  const nextRevision = result.nextExpectedRevision;
  const [stored] = await readStream(client, stream, { from: nextRevision, maxCount: 1 });
  const lastId = events[events.length - 1]!.id;
  if (stored?.id !== lastId) throw new EventStoreUnavailableError(`Event ${lastId} not at ${stream}@${nextRevision}`);
  return { nextRevision, position: stored.position };
};

/** Follows $all beyond `after`; after an error or an end, resubscribes from the last position delivered. */
const follow = async function* (client: Client, after: bigint, signal: AbortSignal): AsyncGenerator<RecordedEvent> {
  let cursor = after;
  let failures = 0;
  while (!signal.aborted) {
    const fromPosition = cursor > 0n ? at(cursor) : START;
    const live = client.subscribeToAll({ fromPosition, filter: excludeSystemEvents() });
    const onAbort = (): void => stop(live);
    signal.addEventListener('abort', onAbort);
    try {
      for await (const { event } of live) {
        if (!event || isSystemEvent(event) || positionOf(event) <= cursor) continue;
        const recorded = toRecorded(event);
        yield recorded;
        cursor = recorded.position;
        failures = 0;
      }
    } catch {
      failures += 1;
    } finally {
      signal.removeEventListener('abort', onAbort);
      stop(live);
    }
    await delay(Math.min(100 * 2 ** failures, 1000), undefined, { signal }).catch(() => undefined);
  }
};

const subscribe = (client: Client, after: bigint, open: Set<AbortController>): Subscription => {
  const stopping = new AbortController();
  const iterator = follow(client, after, stopping.signal);
  open.add(stopping);
  return {
    [Symbol.asyncIterator]: () => iterator,
    close: async () => {
      open.delete(stopping);
      stopping.abort();
      void iterator.return(undefined).catch(() => undefined);
    },
  };
};

/**
 * Opens the EventStoreDB implementation of the event-log port.
 *
 * @param connectionString - an `esdb://` or `esdb+discover://` connection string.
 * @returns a store that refuses bad appends exactly like the SQLite store, answers an idempotent
 *   retry with the first answer, and leaves system events (`$` streams and types) out of reads and
 *   subscriptions.
 */
export const openEventStoreDbStore = (connectionString: string): EventStore => {
  const client = EventStoreDBClient.connectionString(connectionString);
  const subscriptions = new Set<AbortController>();
  let closed = false;

  const guard = async <T>(work: () => Promise<T>, stream?: string, expected?: ExpectedRevision): Promise<T> => {
    if (closed) throw new EventStoreUnavailableError('The event store is closed');
    try {
      return await work();
    } catch (error) {
      throw toStoreError(error, stream, expected);
    }
  };

  return {
    kind: 'eventstoredb',
    append: async (stream, events, options = {}) => {
      const { expected, serialized } = prepareAppend(stream, events, options.expectedRevision);
      return guard(() => appendEvents(client, stream, serialized.map((s) => s.event), expected), stream, expected);
    },
    readStream: async (stream, options = {}) => {
      assertStreamName(stream);
      return guard(() => readStream(client, stream, options));
    },
    readAll: ({ after = 0n, maxCount = 1000 } = {}) =>
      guard(async () => {
        const limit = clampCount(maxCount);
        const events: RecordedEvent[] = [];
        if (limit > 0) await scan(client, FORWARDS, after, (e) => events.push(e) < limit);
        return events;
      }),
    subscribeToAll: ({ after = 0n } = {}) => subscribe(client, after, subscriptions),
    headPosition: () =>
      guard(async () => {
        let head = 0n;
        await scan(client, BACKWARDS, undefined, (e) => ((head = e.position), false));
        return head;
      }),
    ping: () =>
      guard(async () => {
        await collect(client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }));
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      for (const subscription of subscriptions) subscription.abort();
      await client.dispose();
    },
  };
};
