/**
 * What the uniqueness check needs to know about the log between the index's checkpoint and the
 * head without waiting for the index to get there: this process's appends, as a store wrapper
 * records them. An append made inside `uniquely` (see `uniqueness.ts`) leaves a reservation of the
 * values it claims, held until the index has applied it; any other append that may claim a unique
 * value without reserving it is "unaccounted". An append is `uniquely`'s when
 * its events carry the tenant and command id `uniquely` announced while that write runs (not an
 * AsyncLocalStorage: on Node 20 one slows every promise of the process once used). The log between
 * the checkpoint and the head is "covered" when every position in it is a known append that is not unaccounted:
 * then the index plus the reservations hold every value claimed up to the head. Positions are
 * contiguous only in the SQLite log, so an EventStoreDB log (other processes append to it) is
 * never covered and the check waits for the head as before.
 */
import type { AppendResult, EventStore, NewEvent } from '../events/log/port.js';

/** A claimed unique value: `<tenant>\0<type>\0<field>\0<hash>`, and the record claiming it. */
export type Reservation = { key: string; recordId: string };

type Append = { first: bigint; last: bigint; unaccounted: boolean };

/** The command whose appends a `reserving` write makes: they carry these in their metadata. */
export type CommandKey = { tenantId: string; commandId: string };

const commandKeyOf = ({ tenantId, commandId }: CommandKey): string => `${tenantId}\0${commandId}`;

/** The command key of an append's events, if their metadata names one. */
const appendKeyOf = (events: readonly NewEvent[]): string | undefined => {
  const { tenantId, commandId } = events[0]?.metadata ?? {};
  return typeof tenantId === 'string' && typeof commandId === 'string' ? commandKeyOf({ tenantId, commandId }) : undefined;
};

/** The gap the check will look across before it reads the log's head; a larger one waits instead. */
const MAX_GAP = 10_000n;

/** One store's appends in this process, and the reservations made by `uniquely` writes. */
export type AppendTracker = {
  /** Whether every position in `(checkpoint, head]` is an append of this process that leaves nothing unaccounted. */
  covers(checkpoint: bigint, head: bigint): boolean;
  /** The record holding a reservation of `key` applied after `checkpoint` (the index does not show it yet), other than `recordId`. */
  reservedBy(key: string, recordId: string, checkpoint: bigint): string | undefined;
  /** Resolves once the appends of this process under way now are recorded (committed ones may be in the head already). */
  settled(): Promise<void>;
  /** Runs `write`; the appends of `command` (its events' tenant and command id) reserve `reservations` instead of counting as unaccounted. */
  reserving<T>(command: CommandKey, reservations: readonly Reservation[], write: () => Promise<T>): Promise<T>;
};

const trackers = new WeakMap<EventStore, AppendTracker>();

/** The tracker of a store wrapped by `trackAppends`, if it was. */
export const trackerOf = (store: EventStore): AppendTracker | undefined => trackers.get(store);

type State = {
  claimTypes: ReadonlySet<string>;
  byPosition: Map<bigint, Append>;
  reserved: Map<string, Array<{ recordId: string; position: bigint }>>;
  /** The reservations of the `reserving` writes under way, by command key. */
  pending: Map<string, readonly Reservation[]>;
  inflight: Set<Promise<unknown>>;
};

/** Forgets what the index has applied: appends and reservations at or before `checkpoint`. */
const prune = (s: State, checkpoint: bigint): void => {
  for (const [position] of s.byPosition) if (position <= checkpoint) s.byPosition.delete(position);
  for (const [key, holders] of s.reserved) {
    const left = holders.filter((h) => h.position > checkpoint);
    if (left.length === 0) s.reserved.delete(key);
    else s.reserved.set(key, left);
  }
};

/** Appends remembered while no check prunes them; forgetting them all only sends checks to the head. */
const MAX_TRACKED = 100_000;

const record = (s: State, events: readonly NewEvent[], result: AppendResult): void => {
  // Safe to forget: a forgotten position is not covered, so no check relies on a forgotten reservation.
  if (s.byPosition.size > MAX_TRACKED) (s.byPosition.clear(), s.reserved.clear());
  const key = appendKeyOf(events);
  const reservations = key === undefined ? undefined : s.pending.get(key);
  const claims = events.some((e) => s.claimTypes.has(e.type));
  const append: Append = { first: result.position - BigInt(events.length) + 1n, last: result.position, unaccounted: claims && !reservations };
  for (let p = append.first; p <= append.last; p += 1n) s.byPosition.set(p, append);
  for (const { key, recordId } of reservations ?? []) s.reserved.set(key, [...(s.reserved.get(key) ?? []), { recordId, position: result.position }]);
};

const covers = (s: State, checkpoint: bigint, head: bigint): boolean => {
  prune(s, checkpoint);
  if (head - checkpoint > MAX_GAP) return false;
  for (let p = checkpoint + 1n; p <= head; p += 1n) {
    const append = s.byPosition.get(p);
    if (!append || append.unaccounted) return false;
  }
  return true;
};

const reserving = async <T>(s: State, key: string, reservations: readonly Reservation[], write: () => Promise<T>): Promise<T> => {
  // A command id is the request's own (random, or its Idempotency-Key's, which runs once at a time).
  const before = s.pending.get(key);
  s.pending.set(key, [...(before ?? []), ...reservations]);
  try {
    return await write();
  } finally {
    if (before) s.pending.set(key, before);
    else s.pending.delete(key);
  }
};

/**
 * Wraps `store` so that its appends are tracked; `claimTypes` are the event types that may make a
 * unique value active (a kind's created, updated and restored events, and its rule events' effects).
 */
export const trackAppends = (store: EventStore, claimTypes: Iterable<string>): EventStore => {
  if (store.kind !== 'sqlite') return store;
  const s: State = { claimTypes: new Set(claimTypes), byPosition: new Map(), reserved: new Map(), pending: new Map(), inflight: new Set() };
  const tracked: EventStore = {
    ...store,
    kind: store.kind,
    append: (stream, events, options) => {
      const appended = store.append(stream, events, options).then((result) => {
        if (events.length > 0) record(s, events, result);
        return result;
      });
      const settled = appended.finally(() => s.inflight.delete(settled)).catch(() => undefined);
      s.inflight.add(settled);
      return appended;
    },
  };
  trackers.set(tracked, {
    covers: (checkpoint, head) => covers(s, checkpoint, head),
    reservedBy: (key, recordId, checkpoint) => s.reserved.get(key)?.find((h) => h.position > checkpoint && h.recordId !== recordId)?.recordId,
    settled: async () => void (await Promise.all([...s.inflight])),
    reserving: (command, reservations, write) => reserving(s, commandKeyOf(command), reservations, write),
  });
  return tracked;
};
