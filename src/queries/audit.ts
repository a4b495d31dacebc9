/**
 * Audit queries over the log (design §5): a tenant's events by actor, record type (the aggregate
 * type in the stream name), event type and time range (`occurredAt`, `from` inclusive, `to`
 * exclusive), personal fields decrypted (erased ones `null` and listed in `erased`) for readers
 * allowed to see them (`audit.personal:read`); for others they read `null`, listed in `withheld`.
 *
 * Cost: there is no index; a page scans `readAll` pages from its cursor, through every tenant's
 * events, until it holds `limit` matches or has scanned `SCAN_BUDGET` events. A selective filter
 * over a long log can therefore answer a short (even empty) page whose `nextCursor` continues the
 * scan; only `nextCursor: null` means the end of the log. An export scans the whole log once.
 * The cursor is the position of the last event scanned, bound to the query (tenant and filters).
 */
import { Readable } from 'node:stream';
import { InvalidInputError, type FieldError } from '../errors.js';
import type { RecordedEvent } from '../events/log/port.js';
import { scanLog } from '../events/log/scan.js';
import { readableEvent, withheldEvent, type ReadableEvent } from '../events/personal-data/read.js';
import { learnStreamSubjects, streamSubjectMemo, type StreamSubjectMemo, type StreamSubjects } from '../events/personal-data/stream-subjects.js';
import { decodeCursor, encodeCursor, fingerprintOf, limitOf, type CursorKey, type SortKey } from './cursor.js';
import { isoOf } from './list.js';
import { historyEntryOf, occurredAt, type HistoryEntry, type ReadDeps } from './records.js';

export const AUDIT_FILTERS = ['actor', 'recordType', 'type', 'from', 'to'] as const;
export const AUDIT_PARAMS = [...AUDIT_FILTERS, 'limit', 'cursor'] as const;

export type AuditQuery = Partial<Record<(typeof AUDIT_PARAMS)[number], string>>;
type Filters = Partial<Record<(typeof AUDIT_FILTERS)[number], string>>;

/** One event as an auditor reads it; `withheld`: the personal fields not shown to this reader. */
export type AuditEntry = HistoryEntry & { stream: string; recordId: string; recordType: string; withheld: string[] };

/** Whether the reader sees personal values (decrypted) or only that they exist. */
export type Disclosure = 'personal' | 'withheld';

export type AuditPage = { data: AuditEntry[]; page: { nextCursor: string | null } };

/** How many events one page request reads at most. */
export const SCAN_BUDGET = 10_000;

const POSITION_KEY: SortKey[] = [{ column: 'position', desc: false, notNull: true }];
const MAX_TEXT = 200;

const checkFilter = (name: (typeof AUDIT_FILTERS)[number], value: string | undefined): FieldError[] => {
  if (value === undefined) return [];
  const time = name === 'from' || name === 'to';
  const ok = time ? isoOf(value) !== undefined : value.length >= 1 && value.length <= MAX_TEXT;
  return ok ? [] : [{ pointer: `/query/${name}`, message: time ? 'an ISO-8601 date or zoned date-time' : `1 to ${MAX_TEXT} characters` }];
};

/** The filters, checked; times normalised to `toISOString()` form. @throws InvalidInputError `invalid_query`. */
const filtersOf = (query: AuditQuery): Filters => {
  const errors = AUDIT_FILTERS.flatMap((name) => checkFilter(name, query[name]));
  if (errors.length > 0) throw new InvalidInputError('invalid_query', 'Invalid audit query', errors);
  const filters: Filters = {};
  for (const name of AUDIT_FILTERS) {
    const value = query[name];
    if (value !== undefined) filters[name] = name === 'from' || name === 'to' ? isoOf(value) : value;
  }
  return filters;
};

const matcher = (tenantId: string, f: Filters) => (e: RecordedEvent): boolean => {
  const [tenant, recordType] = e.stream.split('/');
  const at = occurredAt(e);
  return (
    tenant === tenantId && e.metadata.tenantId === tenantId &&
    (f.actor === undefined || e.metadata.actorId === f.actor) &&
    (f.recordType === undefined || recordType === f.recordType) &&
    (f.type === undefined || e.type === f.type) &&
    (f.from === undefined || at >= f.from) && (f.to === undefined || at < f.to)
  );
};

/** The subjects of the streams of old events that name none, for a reader who sees personal values (`stream-subjects.ts`). */
const subjectsFor = <M extends StreamSubjectMemo>(deps: ReadDeps, disclosure: Disclosure, events: readonly RecordedEvent[], memo: M): Promise<M> =>
  disclosure === 'personal' ? learnStreamSubjects(deps.store, events, memo) : Promise.resolve(memo);

/** `streamSubjects`: learned for the events read (`learnStreamSubjects`), so that old plaintext of an erased subject reads null. */
const entryOf = (deps: ReadDeps, disclosure: Disclosure, streamSubjects?: StreamSubjects) => {
  const read: (e: RecordedEvent) => ReadableEvent & { withheld?: string[] } =
    disclosure === 'personal' ? readableEvent(deps.keyStore, undefined, { streamSubjects }) : withheldEvent();
  return (e: RecordedEvent): AuditEntry => {
    const [, recordType = '', recordId = ''] = e.stream.split('/');
    const event = read(e);
    return { ...historyEntryOf(event), stream: e.stream, recordId, recordType, withheld: event.withheld ?? [] };
  };
};

const cursorPosition = (key: CursorKey, cursor: string, fingerprint: string): bigint => {
  const [value] = decodeCursor(key, cursor, POSITION_KEY, fingerprint);
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value)) throw new InvalidInputError('invalid_cursor', 'Invalid cursor', [{ pointer: '/cursor', message: 'not a position' }]);
  return BigInt(value);
};

/**
 * One page of the tenant's events matching the query, oldest first.
 * @throws InvalidInputError `invalid_query`, `invalid_limit` or `invalid_cursor` (400).
 */
export const auditPage = async (deps: ReadDeps & { cursorKey: CursorKey }, tenantId: string, query: AuditQuery, disclosure: Disclosure): Promise<AuditPage> => {
  const filters = filtersOf(query);
  const limit = limitOf(query.limit);
  const fingerprint = fingerprintOf(['audit', tenantId, filters]);
  const after = query.cursor ? cursorPosition(deps.cursorKey, query.cursor, fingerprint) : 0n;
  const matches = matcher(tenantId, filters);
  const found: RecordedEvent[] = [];
  const entries = async () => found.map(entryOf(deps, disclosure, await subjectsFor(deps, disclosure, found, new Map<string, string>())));
  let [scanned, last] = [0, after];
  for await (const event of scanLog(deps.store, after)) {
    [scanned, last] = [scanned + 1, event.position];
    if (matches(event)) found.push(event);
    if (found.length === limit || scanned === SCAN_BUDGET) {
      return { data: await entries(), page: { nextCursor: encodeCursor(deps.cursorKey, [String(last)], fingerprint) } };
    }
  }
  return { data: await entries(), page: { nextCursor: null } };
};

/**
 * Every event of the tenant matching the filters, as JSON lines, oldest first, streamed: the log
 * is read a page at a time as the consumer reads. Bad filters throw here, before the first byte.
 */
export const exportAuditEvents = (
  deps: ReadDeps, tenantId: string, query: Omit<AuditQuery, 'limit' | 'cursor'>, disclosure: Disclosure,
): Readable => {
  const matches = matcher(tenantId, filtersOf(query));
  const streamSubjects = streamSubjectMemo();
  const entry = entryOf(deps, disclosure, streamSubjects);
  const lines = async function* (): AsyncGenerator<string> {
    for await (const event of scanLog(deps.store)) {
      if (!matches(event)) continue;
      await subjectsFor(deps, disclosure, [event], streamSubjects);
      yield `${JSON.stringify(entry(event))}\n`;
    }
  };
  return Readable.from(lines(), { objectMode: false });
};
