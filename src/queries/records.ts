/**
 * Reads of one catalogue record from the log (design §5: temporal and audit queries read the
 * log): its state now or as of a time or revision, folded with `evolve`, and its history. Personal
 * fields are decrypted; after erasure they read `null` and are listed as erased.
 */
import { catalogueDecider } from '../commands/catalogue.js';
import { fold } from '../commands/decider.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { effectFieldOf, type RecordKind, type RecordState } from '../events/catalogue.js';
import type { EventStore, JsonObject, RecordedEvent } from '../events/log/port.js';
import { streamName } from '../events/log/stream-name.js';
import type { KeyStore } from '../events/personal-data/key-store.js';
import { withheldEvent, type ReadableEvent } from '../events/personal-data/read.js';
import { readableEvents } from '../events/personal-data/stream-subjects.js';
import type { Disclosure } from './audit.js';

export type ReadDeps = { store: EventStore; keyStore: KeyStore };

/** A point in a record's past: a revision, or a time (events that occurred at or before it). */
export type AsOf = { revision: bigint } | { time: Date };

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** Parses `?asOf=`: a revision (digits) or an ISO-8601 time; anything else is a 400. */
export const parseAsOf = (raw: string | undefined): AsOf | undefined => {
  if (raw === undefined) return undefined;
  if (/^\d{1,15}$/.test(raw)) return { revision: BigInt(raw) };
  const time = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(raw) ? new Date(raw) : new Date(NaN);
  if (Number.isNaN(time.getTime())) {
    throw new InvalidInputError('invalid_as_of', 'asOf must be a revision number or an ISO-8601 time', [{ pointer: '/asOf', message: 'not a revision or time' }]);
  }
  return { time };
};

/** When the event happened (`metadata.occurredAt`), else when it was recorded. */
export const occurredAt = (e: RecordedEvent): string => (typeof e.metadata.occurredAt === 'string' ? e.metadata.occurredAt : e.recordedAt.toISOString());

const within = (asOf: AsOf | undefined) => (e: ReadableEvent): boolean =>
  asOf === undefined || ('revision' in asOf ? e.revision <= asOf.revision : Date.parse(occurredAt(e)) <= asOf.time.getTime());

/**
 * The events of one aggregate instance, any aggregate type (revealed, upcast, or as `read` reads
 * them); 404 when the id is malformed or the stream is empty.
 */
export const aggregateEvents = async <E extends ReadableEvent = ReadableEvent>(
  deps: ReadDeps, aggregateType: string, tenantId: string, id: string, read?: (event: RecordedEvent) => E,
): Promise<E[]> => {
  if (!ID.test(id)) throw new NotFoundError('No such record');
  const recorded = await deps.store.readStream(streamName(tenantId, aggregateType, id));
  if (recorded.length === 0) throw new NotFoundError('No such record');
  return read ? recorded.map(read) : ((await readableEvents(deps.store, deps.keyStore, recorded)) as E[]);
};

/** The record's events (revealed, upcast); 404 when the id is malformed or the record does not exist. */
export const recordEvents = (deps: ReadDeps, kind: RecordKind, tenantId: string, id: string): Promise<ReadableEvent[]> =>
  aggregateEvents(deps, kind.type, tenantId, id);

export type RecordView = JsonObject & { id: string; revision: number; status: string };

/** The field names whose values were erased (a `null` left by erasure folds like a cleared field). */
const erasedFieldsOf = (kind: RecordKind, events: ReadableEvent[]): string[] =>
  [...new Set(events.flatMap((e) => e.erased.map((path) => effectFieldOf(kind, e.type, path.replace(/^(fields|changes)\./, '')))))];

const viewOf = (kind: RecordKind, id: string, events: ReadableEvent[], state: Exclude<RecordState, { status: 'none' }>): RecordView => ({
  ...Object.fromEntries(erasedFieldsOf(kind, events).map((field) => [field, null])),
  ...state.fields,
  id,
  ...(kind.subject !== undefined ? { subjectId: state.subjectId } : {}),
  status: state.status,
  ownerId: state.ownerId,
  tags: state.tags,
  revision: Number(events[events.length - 1]!.revision),
  createdAt: occurredAt(events[0]!),
  updatedAt: occurredAt(events[events.length - 1]!),
  erasedFields: erasedFieldsOf(kind, events),
});

/** The record as of now (or `asOf`); 404 when it did not exist yet at that point. */
export const getRecord = async (deps: ReadDeps, kind: RecordKind, tenantId: string, id: string, asOf?: AsOf): Promise<RecordView> => {
  const events = (await recordEvents(deps, kind, tenantId, id)).filter(within(asOf));
  const state = fold(catalogueDecider(kind), events.map((e) => ({ type: e.type, data: e.data })));
  if (state.status === 'none') throw new NotFoundError('No such record at that point');
  return viewOf(kind, id, events, state);
};

/** One entry of a record's history, for auditors. */
export type HistoryEntry = {
  type: string; revision: number; position: number; occurredAt: string; actorId: string | null;
  correlationId: string | null; data: JsonObject; erased: string[];
};

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** A readable event as a history entry (also the core of an audit-query entry). */
export const historyEntryOf = (e: ReadableEvent): HistoryEntry => ({
  type: e.type,
  revision: Number(e.revision),
  position: Number(e.position),
  occurredAt: occurredAt(e),
  actorId: str(e.metadata.actorId),
  correlationId: str(e.metadata.correlationId),
  data: e.data,
  erased: e.erased,
});

export const recordHistory = async (deps: ReadDeps, kind: RecordKind, tenantId: string, id: string): Promise<HistoryEntry[]> =>
  (await recordEvents(deps, kind, tenantId, id)).map(historyEntryOf);

/**
 * The history of any aggregate instance (identity records included) as `disclosure` allows: with
 * personal values, or with them withheld (`null`, listed in each entry's `withheld`, never decrypted).
 */
export const aggregateHistory = async (
  deps: ReadDeps, aggregateType: string, tenantId: string, id: string, disclosure: Disclosure,
): Promise<(HistoryEntry & { withheld?: string[] })[]> => {
  if (disclosure === 'personal') return (await aggregateEvents(deps, aggregateType, tenantId, id)).map(historyEntryOf);
  return (await aggregateEvents(deps, aggregateType, tenantId, id, withheldEvent())).map((e) => ({ ...historyEntryOf(e), withheld: e.withheld }));
};
