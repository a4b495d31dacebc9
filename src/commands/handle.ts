/**
 * The one command handler: load the stream → reveal and upcast → fold with `evolve` → `decide` →
 * encrypt personal fields → append with the expected revision. With `If-Match` (a revision) a
 * conflict is a 412; without it a conflict is retried at most 5 times. A command already applied
 * (its derived event ids are in the stream) answers its first result again instead of deciding twice.
 * A command on a fresh id (`Request.fresh`) skips the read on its first attempt.
 */
import { ConflictError, PreconditionFailedError } from '../errors.js';
import type { EventStore, ExpectedRevision, JsonObject, NewEvent, RecordedEvent } from '../events/log/port.js';
import { WrongExpectedVersion } from '../events/log/port.js';
import { streamName } from '../events/log/stream-name.js';
import type { KeyStore } from '../events/personal-data/key-store.js';
import { protectEvent, type PersonalDataSpecs } from '../events/personal-data/protect.js';
import { readableEvent } from '../events/personal-data/read.js';
import { noUpcasters, type Upcasters } from '../events/upcasting.js';
import { fold, type Decider, type DomainEvent } from './decider.js';
import { eventIdFor } from './event-ids.js';
import { processLocks } from '../process-locks.js';

/** Who sends the command, on whose behalf, and when; arrives from the HTTP layer or a job. */
export type CommandContext = {
  tenantId: string;
  actorId: string;
  /** A UUID per logical command (the Idempotency-Key's command, or a job's id). */
  commandId: string;
  correlationId: string;
  causationId?: string;
  requestId?: string;
  now: Date;
};

/**
 * An aggregate as the handler needs it: its stream type, its decider, its event upcasters, and for
 * each event type holding personal data, which field names the subject and which fields are personal.
 */
export type Aggregate<Command, Event extends DomainEvent, State> = {
  type: string;
  decider: Decider<Command, Event, State>;
  upcasters?: Upcasters;
  personalData?: Readonly<Record<string, PersonalDataSpecs>>;
};

/** What the handler works with: the log, and the key store for personal data. */
export type CommandDeps = { store: EventStore; keyStore: KeyStore };

/** `replayed`: the command had been applied before (a retry): this is its first result again, nothing was appended now. */
export type CommandResult = { id: string; revision: bigint; position: bigint; events: number; replayed?: true };

const MAX_RETRIES = 5;

/** Turns per stream: conflicts then come only from other processes (or a CLI), and retries settle them. */
const streamTurns = processLocks();

// Writers that lost a race retry after a random pause (up to 1, 2, 4, 8, 16 ms): retried at once,
// the same writers would load the same revision together again and all but one lose again.
const pauseBeforeRetry = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * 2 ** attempt));

const lastOf = (events: RecordedEvent[]) => events[events.length - 1];

/** The `index`-th event id of one command; each is derived (a SHA-1) once, however often a retry asks. */
type EventIds = (index: number) => string;

const eventIdsOf = (commandId: string): EventIds => {
  const ids: string[] = [];
  return (index) => (ids[index] ??= eventIdFor(commandId, index));
};

/** The result of this command if the stream already holds its events (a retried request). */
const alreadyApplied = (id: string, idOf: EventIds, loaded: RecordedEvent[]): CommandResult | undefined => {
  const first = idOf(0);
  const start = loaded.findIndex((e) => e.id === first);
  if (start < 0) return undefined;
  let end = start;
  while (loaded[end + 1]?.id === idOf(end + 1 - start)) end += 1;
  const last = loaded[end]!;
  return { id, revision: last.revision, position: last.position, events: end - start + 1, replayed: true };
};

/** Encrypts the event's personal fields (refusing an erased subject) and describes them in metadata. */
const toNewEvent = (
  keyStore: KeyStore,
  aggregate: Aggregate<unknown, DomainEvent, unknown>,
  request: Request<unknown, unknown>,
  idOf: EventIds,
) => (
  event: DomainEvent,
  index: number,
): NewEvent => {
  const { context: ctx, id } = request;
  const specs = aggregate.personalData?.[event.type];
  const { data, descriptor } = specs ? protectEvent(keyStore, ctx.tenantId, specs, event.data) : { data: event.data, descriptor: undefined };
  const metadata = metadataOf(aggregate.type, id, ctx);
  if (descriptor) metadata.personalData = descriptor;
  return {
    id: idOf(index),
    type: event.type,
    schemaVersion: (aggregate.upcasters ?? noUpcasters).currentVersion(event.type),
    data,
    metadata,
  };
};

// Built field by field rather than with spreads: cheaper, and the same keys in the same order.
const metadataOf = (aggregateType: string, id: string, ctx: CommandContext): JsonObject => {
  const metadata: JsonObject = {
    tenantId: ctx.tenantId,
    actorId: ctx.actorId,
    commandId: ctx.commandId,
    correlationId: ctx.correlationId,
    causationId: ctx.causationId ?? ctx.commandId,
  };
  if (ctx.requestId) metadata.requestId = ctx.requestId;
  metadata.occurredAt = ctx.now.toISOString();
  metadata.aggregateType = aggregateType;
  metadata.aggregateId = id;
  return metadata;
};

export type Request<C, S = never> = {
  id: string;
  command: C;
  context: CommandContext;
  /**
   * The revision the write applies to (`If-Match`), or `no_stream`: only while the record has no
   * event yet (`If-None-Match: *`, a first write that must not overwrite another's).
   */
  ifMatch?: bigint | Extract<ExpectedRevision, 'no_stream'>;
  /** Runs on the folded state before `decide`: the access policy's check of this record (ABAC). */
  guard?: (state: S) => void;
  /**
   * The id was minted for this command (derived from its command id), so its stream can hold
   * nothing but this command's own events: the first attempt decides on the initial state without
   * reading the stream. The append's `no_stream` still guards it; a stream that exists after all
   * (a retried request) sends the command down the ordinary path, which reads it.
   */
  fresh?: boolean;
};

/** A command decided on its stream as loaded: the result of its earlier run (a retry), or the events to append after `current`. */
type Decision<E> = { replayed: CommandResult } | { decided: E[]; current: bigint | undefined };

// 1. recognise a retried command; 2. fold and guard (the policy); 3. check If-Match and decide.
const decisionOn = <C, E extends DomainEvent, S>(
  keyStore: KeyStore, aggregate: Aggregate<C, E, S>, request: Request<C, S>, idOf: EventIds, loaded: RecordedEvent[],
): Decision<E> => {
  const replayed = alreadyApplied(request.id, idOf, loaded);
  if (replayed) return { replayed };
  const current = lastOf(loaded)?.revision;
  const stale = request.ifMatch !== undefined && request.ifMatch !== (current ?? 'no_stream');
  const read = readableEvent(keyStore, aggregate.upcasters);
  const state = fold(aggregate.decider, loaded.map((e) => ({ type: e.type, data: read(e).data }) as E));
  // The policy first: a caller who may not touch the record learns nothing of its revision.
  request.guard?.(state);
  // A record that is not there answers as it would without If-Match (404; RFC 9110 §13.2.1).
  if (stale && current !== undefined) throw preconditionFailed(request.ifMatch!, current);
  const decided = aggregate.decider.decide(request.command, state);
  if (stale) throw preconditionFailed(request.ifMatch!, current);
  return { decided, current };
};

/**
 * Decides `request` on its record as the log holds it now, appending nothing: throws what handling
 * it would (the guard's refusal, 412, the decider's), else says whether it would append (not a
 * retried command, nor one changing nothing). A write checked before it is sent (the uniqueness
 * rule, `http/uniqueness.ts`) learns here what its decider answers first.
 */
export const wouldAppend = async <C, E extends DomainEvent, S>(deps: CommandDeps, aggregate: Aggregate<C, E, S>, request: Request<C, S>): Promise<boolean> => {
  const loaded = await deps.store.readStream(streamName(request.context.tenantId, aggregate.type, request.id));
  const decision = decisionOn(deps.keyStore, aggregate, request, eventIdsOf(request.context.commandId), loaded);
  return 'decided' in decision && decision.decided.length > 0;
};

// 1. load; 2.-3. decide (`decisionOn`); 4. append.
const attemptOnce = async <C, E extends DomainEvent, S>(
  { store, keyStore }: CommandDeps,
  aggregate: Aggregate<C, E, S>,
  request: Request<C, S>,
  stream: string,
  idOf: EventIds,
  load: boolean,
): Promise<CommandResult> => {
  const loaded = load ? await store.readStream(stream) : [];
  const decision = decisionOn(keyStore, aggregate, request, idOf, loaded);
  if ('replayed' in decision) return decision.replayed;
  const { decided, current } = decision;
  if (decided.length === 0) {
    return { id: request.id, revision: current ?? -1n, position: lastOf(loaded)?.position ?? 0n, events: 0 };
  }
  const generic = aggregate as unknown as Aggregate<unknown, DomainEvent, unknown>;
  const events = decided.map(toNewEvent(keyStore, generic, request as unknown as Request<unknown, unknown>, idOf));
  const result = await store.append(stream, events, { expectedRevision: current ?? 'no_stream' });
  return { id: request.id, revision: result.nextRevision, position: result.position, events: events.length };
};

/**
 * Handles one command against one aggregate instance. `ifMatch` is the revision the client last
 * saw (from `If-Match`); without it a conflicting concurrent write is retried at most 5 times, after
 * a random pause. This process's commands on one record run one at a time.
 */
export const handleCommand = async <C, E extends DomainEvent, S>(
  deps: CommandDeps,
  aggregate: Aggregate<C, E, S>,
  request: Request<C, S>,
): Promise<CommandResult> => {
  const stream = streamName(request.context.tenantId, aggregate.type, request.id);
  // Commands of this process on one record take turns (a create's new stream has nobody to wait for).
  const turn = request.fresh ? undefined : await streamTurns([stream]);
  try {
    return await handleWithRetries(deps, aggregate, request, stream);
  } finally {
    await turn?.release();
  }
};

const handleWithRetries = async <C, E extends DomainEvent, S>(
  deps: CommandDeps, aggregate: Aggregate<C, E, S>, request: Request<C, S>, stream: string,
): Promise<CommandResult> => {
  const idOf = eventIdsOf(request.context.commandId);
  for (let attempt = 0; ; attempt++) {
    try {
      const load = attempt > 0 || !request.fresh || request.ifMatch !== undefined;
      return await attemptOnce(deps, aggregate, request, stream, idOf, load);
    } catch (error) {
      if (!(error instanceof WrongExpectedVersion)) throw error;
      if (request.ifMatch !== undefined) throw preconditionFailed(request.ifMatch, error.actual);
      if (attempt >= MAX_RETRIES) {
        throw new ConflictError('concurrent_modification', 'The record kept changing; retry the request', { id: request.id });
      }
      await pauseBeforeRetry(attempt);
    }
  }
};

/** The `ifMatch` of an `If-Match` that names no revision of ours (a weak or foreign tag): it never matches. */
export const NO_REVISION = -1n;

const preconditionMessage = (expected: bigint | 'no_stream', actual: bigint | 'no_stream' | undefined): string => {
  if (expected === 'no_stream') return `If-None-Match: * asks for a record not written yet; it is at revision ${actual}`;
  if (expected === NO_REVISION) return 'If-Match names no revision of this record (a weak ETag never matches)';
  return `If-Match names revision ${expected}; the record is at ${actual ?? 'none'}`;
};

const preconditionFailed = (expected: bigint | 'no_stream', actual: bigint | 'no_stream' | undefined): PreconditionFailedError =>
  new PreconditionFailedError(preconditionMessage(expected, actual), {
    expectedRevision: typeof expected === 'bigint' && expected !== NO_REVISION ? Number(expected) : null,
    currentRevision: typeof actual === 'bigint' ? Number(actual) : null,
  });
