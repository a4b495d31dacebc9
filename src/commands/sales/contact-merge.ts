/**
 * Merging duplicate contacts: the survivor absorbs the loser first (its `AbsorbContact`, with the
 * caller's If-Match, fills the fields it lacks from the loser's revealed ones, under the
 * survivor's own subject), then the loser is marked merged and archived by a child command whose
 * id derives from the merge's. Both streams keep their events and their subject, so erasing either
 * person still works. A retry with the same command id replays both steps; a new request for a
 * merge already done answers without appending (both deciders find it done).
 */
import { RuleViolationError } from '../../errors.js';
import { streamName } from '../../events/log/stream-name.js';
import { readableEvent } from '../../events/personal-data/read.js';
import { fold } from '../decider.js';
import { childCommandIdFor } from '../event-ids.js';
import { handleCommand, type CommandDeps, type CommandResult, type Request } from '../handle.js';
import { contactAggregate, type ContactCommand, type ContactState } from './contact.js';

export type MergeContactsInput = {
  /** The survivor's command request (id, context, If-Match, the policy's guard, also applied to the loser unless `loserGuard` is given). */
  request: Omit<Request<ContactCommand, ContactState>, 'command'>;
  loserId: string;
  /** The policy's check of the loser (which the merge changes and archives). */
  loserGuard?: (state: ContactState) => void;
};

/** A contact's state with its personal fields revealed (erased ones `null`). */
const contactState = async (deps: CommandDeps, tenantId: string, id: string): Promise<ContactState> => {
  const events = (await deps.store.readStream(streamName(tenantId, contactAggregate.type, id))).map(readableEvent(deps.keyStore));
  return fold(contactAggregate.decider, events.map((e) => ({ type: e.type, data: e.data })));
};

/** Merges `loserId` into the request's contact; answers the survivor's result with the last position. */
export const mergeContacts = async (deps: CommandDeps, { request, loserId, loserGuard = request.guard }: MergeContactsInput): Promise<CommandResult> => {
  if (loserId === request.id) throw new RuleViolationError('merge_into_itself', 'A contact cannot be merged into itself', { loserId });
  const { context } = request;
  const loser = await contactState(deps, context.tenantId, loserId);
  // The caller must be allowed to change both contacts before the survivor takes anything from the loser.
  loserGuard?.(loser);
  const absorbed = await handleCommand(deps, contactAggregate, { ...request, command: { type: 'AbsorbContact', from: loserId, loser } });
  const loserContext = { ...context, commandId: childCommandIdFor(context.commandId, 'merge-loser'), causationId: context.commandId };
  const merged = await handleCommand(deps, contactAggregate, {
    id: loserId,
    context: loserContext,
    command: { type: 'MergeContact', into: request.id },
    ...(loserGuard ? { guard: loserGuard } : {}),
  });
  return { ...absorbed, position: absorbed.position > merged.position ? absorbed.position : merged.position };
};
