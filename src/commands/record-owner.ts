/**
 * A record's owner is a user of the tenant who may be given work. An owner a caller gives (a
 * create's `ownerId`, `PUT /:id/owner`, an import row's column) is looked up in the log before
 * deciding, as a user attendee is (`record-links.ts`), and the decider refuses a user the tenant
 * does not hold (422 `owner_not_found`: a missing id, another tenant's user and free text alike) or
 * one deactivated or erased (422 `owner_not_active`); an invited user may own records.
 *
 * Not looked up, so never refused: the caller as owner (the default; they are authenticated, and
 * an integration client's or an operator's token names an actor that is no user of the directory),
 * an owner a command leaves as it is (an owner deactivated since keeps their records writable), and
 * an owner the server carries from another record (a lead's owner to the records its conversion
 * creates, a web form's owner to the leads it captures): it was checked when it was given, and the
 * person converting or submitting cannot change it, so refusing it would leave a lead whose owner
 * left unconvertible. Reassign such records (`PUT /:id/owner`) to give them to someone else.
 */
import { RuleViolationError } from '../errors.js';
import type { RecordCommand } from './catalogue.js';
import type { CommandDeps } from './handle.js';
import { linkedUserOf, type LinkedUser } from './record-links.js';

/** The command with what the tenant holds of the owner it gives (`ownerFinding`), when it gives one other than the caller. */
export const withCheckedOwner = async <C extends RecordCommand>(deps: CommandDeps, tenantId: string, actorId: string, command: C): Promise<C> => {
  if (command.type !== 'CreateRecord' && command.type !== 'AssignOwner') return command;
  const { ownerId } = command;
  if (ownerId === null || ownerId === actorId) return command;
  return { ...command, ownerFinding: await linkedUserOf(deps, tenantId, ownerId) };
};

/** Why a user as the tenant's log holds them (`finding`) may not be given work, with the message an error gives: undefined when they may. */
export const unfitUser = (finding: LinkedUser): { reason: 'not_found' | 'not_active'; detail: string } | undefined => {
  if (!finding.found) return { reason: 'not_found', detail: 'names no user of this tenant' };
  if (finding.status === 'deactivated' || finding.status === 'erased') return { reason: 'not_active', detail: 'names a user who is deactivated or erased' };
  return undefined;
};

/** Refuses the owner `ownerId` given by a caller when the tenant's log says they may not own records (no finding: not given by a caller, not refused). */
export const assertMayOwn = (ownerId: string | null, finding: LinkedUser | undefined): void => {
  if (finding === undefined || ownerId === null) return;
  const unfit = unfitUser(finding);
  if (unfit) {
    throw new RuleViolationError(`owner_${unfit.reason}`, `ownerId ${unfit.detail}`, { field: 'ownerId', id: ownerId }, [{ pointer: '/ownerId', message: unfit.detail }]);
  }
};
