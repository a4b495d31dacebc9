/**
 * Merging duplicate contacts: the survivor absorbs the loser first (its `AbsorbContact`, with the
 * caller's If-Match, fills the fields it lacks from the loser's revealed ones, under the
 * survivor's own subject, and adds the loser's tags), then the survivor's subject adopts the
 * loser's consents (most restrictive per purpose) and restriction of processing
 * (`adoptMergedConsents`: a restriction is never lost by a merge), then the loser is marked
 * merged and archived, then the records naming the loser move to the survivor
 * (`contact-merge-relink.ts`). The steps after the first are child commands whose ids derive from the merge's. Both
 * streams keep their events and their subject, so erasing either person still works. A retry with
 * the same command id replays every step; a new request for a merge already done answers without
 * appending (every decider finds it done).
 */
import { RuleViolationError } from '../../errors.js';
import { streamName } from '../../events/log/stream-name.js';
import { readableEvent } from '../../events/personal-data/read.js';
import { adoptMergedConsents } from '../compliance/consent.js';
import { fold } from '../decider.js';
import { childCommandIdFor } from '../event-ids.js';
import { handleCommand, type CommandDeps, type CommandResult, type Request } from '../handle.js';
import { bodyOf } from '../rule-record.js';
import { fencedBy, processLocks, type KeyedLock } from '../../process-locks.js';
import { contactAggregate, type ContactCommand, type ContactState } from './contact.js';
import { relinkLoserRecords, type ContactLinksFinder } from './contact-merge-relink.js';

export type MergeContactsInput = {
  /** The survivor's command request (id, context, If-Match, the policy's guard, also applied to the loser unless `loserGuard` is given). */
  request: Omit<Request<ContactCommand, ContactState>, 'command'>;
  loserId: string;
  /** The policy's check of the loser (which the merge changes and archives). */
  loserGuard?: (state: ContactState) => void;
  /** Held on both contacts for the whole merge (shared by the API processes when it is Redis's; each step appends only while it holds); default this process's. */
  lock?: KeyedLock;
  /** Finds the records naming the loser, which the merge moves to the survivor; absent, they are left naming the loser. */
  links?: ContactLinksFinder;
};

const mergeLocks = processLocks();

/** A contact's state with its personal fields revealed (erased ones `null`). */
const contactState = async (deps: CommandDeps, tenantId: string, id: string): Promise<ContactState> => {
  const events = (await deps.store.readStream(streamName(tenantId, contactAggregate.type, id))).map(readableEvent(deps.keyStore));
  return fold(contactAggregate.decider, events.map((e) => ({ type: e.type, data: e.data })));
};

/**
 * The survivor's subject adopts the loser's consents and restriction. Nothing to do when they share
 * one, nor once the loser is merged (the merge is done: a consent the person changed since must not
 * be undone).
 */
const carryConsents = async (deps: CommandDeps, request: MergeContactsInput['request'], loser: ContactState): Promise<CommandResult | undefined> => {
  const { context } = request;
  if (loser.status === 'merged') return undefined;
  const subjectId = bodyOf(await contactState(deps, context.tenantId, request.id))?.subjectId;
  const fromSubjectId = bodyOf(loser)?.subjectId;
  if (!subjectId || !fromSubjectId || subjectId === fromSubjectId) return undefined;
  return adoptMergedConsents(deps, { subjectId, fromSubjectId, context });
};

/** Marks the loser merged into the survivor and archives it, as the merge's child command. */
const retireLoser = (deps: CommandDeps, { request, loserId, loserGuard }: MergeContactsInput): Promise<CommandResult> => {
  const { context } = request;
  const loserContext = { ...context, commandId: childCommandIdFor(context.commandId, 'merge-loser'), causationId: context.commandId };
  return handleCommand(deps, contactAggregate, {
    id: loserId,
    context: loserContext,
    command: { type: 'MergeContact', into: request.id },
    ...(loserGuard ? { guard: loserGuard } : {}),
  });
};

/**
 * Merges `loserId` into the request's contact; answers the survivor's result with the last
 * position. Its steps are separate appends, so the merge holds a lock on both contacts: two merges
 * of one contact (A into B while B into A, or L into S1 while L into S2) run one after the other,
 * and the second finds the first done (refused before it changes anything).
 */
export const mergeContacts = async (deps: CommandDeps, input: MergeContactsInput): Promise<CommandResult> => {
  const { request, loserId } = input;
  if (loserId === request.id) throw new RuleViolationError('merge_into_itself', 'A contact cannot be merged into itself', { loserId });
  const keys = [request.id, loserId].map((id) => `${request.context.tenantId}/contact-merge/${id}`);
  const hold = await (input.lock ?? mergeLocks)(keys);
  try {
    return await mergeLocked(fencedBy(deps, hold), input);
  } finally {
    await hold.release();
  }
};

const mergeLocked = async (deps: CommandDeps, input: MergeContactsInput): Promise<CommandResult> => {
  const { request, loserId, loserGuard = input.request.guard } = input;
  // 1. The caller must be allowed to change both contacts before the survivor takes anything from the loser.
  const loser = await contactState(deps, request.context.tenantId, loserId);
  loserGuard?.(loser);
  // 2. The survivor absorbs the loser: its missing fields, its tags, its account links (If-Match applies here).
  const absorbed = await handleCommand(deps, contactAggregate, { ...request, command: { type: 'AbsorbContact', from: loserId, loser } });
  // 3. The survivor's subject adopts the loser's consents, a withdrawal always winning, and its restriction.
  const consents = await carryConsents(deps, request, loser);
  // 4. The loser is marked merged and archived.
  const merged = await retireLoser(deps, { request, loserId, ...(loserGuard ? { loserGuard } : {}) });
  // 5. The records naming the loser (deals, activities) move to the survivor.
  const merge = { survivorId: request.id, loserId, position: merged.position };
  const relinked = input.links ? await relinkLoserRecords(deps, input.links, request.context, merge) : [];
  const position = [consents, merged, ...relinked].reduce((last, step) => (step && step.position > last ? step.position : last), absorbed.position);
  return { ...absorbed, position: await coveringMovesBefore(deps, merged, position) };
};

/**
 * A merge found done before this run (a new request, or a retry whose first answer was lost) finds
 * no record left naming the loser, so its steps' positions miss the moves made then: it answers
 * the log's head, which covers them, so reads with it list the moved records.
 */
const coveringMovesBefore = async (deps: CommandDeps, merged: CommandResult, position: bigint): Promise<bigint> => {
  if (merged.replayed !== true && merged.events > 0) return position;
  const head = await deps.store.headPosition();
  return head > position ? head : position;
};
