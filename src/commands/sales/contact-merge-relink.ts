/**
 * The last step of a contact merge: the records naming the loser (opportunities by `contactId`,
 * activities by `linkedTo` or among their attendees) are moved to the survivor, one child command
 * per record whose id derives from the merge's, so a retried merge appends nothing twice. It runs
 * after the loser is marked merged, from which no new link to it is accepted, and finds them with
 * a `ContactLinksFinder` (the read models, `queries/sales/contact-merge.ts`); each record's decider
 * moves it only if its stream still names the loser, so a stale or repeated finding changes nothing.
 */
import { childCommandIdFor } from '../event-ids.js';
import { handleCommand, type CommandContext, type CommandDeps, type CommandResult } from '../handle.js';
import { activityAggregate } from './activity.js';
import { opportunityAggregate } from './opportunity.js';

/** The ids of the records naming a contact. */
export type ContactLinks = { opportunities: string[]; activities: string[] };

/** Finds the records naming `contactId` once what it reads holds the log up to `position`. */
export type ContactLinksFinder = (tenantId: string, contactId: string, position: bigint) => Promise<ContactLinks>;

/** Who moves them: the merge's system actor, in the merge's correlation, caused by its command. */
export const MERGE_ACTOR = 'system:contact-merge';

const childContext = (context: CommandContext, role: string): CommandContext => ({
  ...context, actorId: MERGE_ACTOR, commandId: childCommandIdFor(context.commandId, role), causationId: context.commandId,
});

/**
 * Moves every record naming `loserId` to `survivorId` once the finder reaches `position` (the
 * loser's merge); answers each step's result, one record after another (the merge's lock is held).
 */
export const relinkLoserRecords = async (
  deps: CommandDeps, find: ContactLinksFinder, context: CommandContext, merge: { survivorId: string; loserId: string; position: bigint },
): Promise<CommandResult[]> => {
  const { survivorId: to, loserId: from } = merge;
  const { opportunities, activities } = await find(context.tenantId, from, merge.position);
  const results: CommandResult[] = [];
  for (const id of opportunities) {
    const ctx = childContext(context, `merge-relink/opportunity/${id}`);
    results.push(await handleCommand(deps, opportunityAggregate, { id, context: ctx, command: { type: 'RelinkOpportunityContact', from, to } }));
  }
  for (const id of activities) {
    const ctx = childContext(context, `merge-relink/activity/${id}`);
    results.push(await handleCommand(deps, activityAggregate, { id, context: ctx, command: { type: 'RelinkActivity', from, to } }));
  }
  return results;
};
