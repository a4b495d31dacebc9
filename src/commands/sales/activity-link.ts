/**
 * What an activity's commands need from the log beyond its own stream: whether the record it links
 * to exists in the tenant (its stream has events; the stream name carries the tenant, so another
 * tenant's record never does), and whom it is about. A contact's or lead's activity shares that
 * person's data subject, so erasing the person erases the activity's free text too; any other
 * activity keeps the subject of its own minted at create.
 */
import { fold } from '../decider.js';
import type { CommandDeps } from '../handle.js';
import type { RecordCommand } from '../catalogue.js';
import { streamName } from '../../events/log/stream-name.js';
import { LINKABLE_TYPES, type LinkedTo } from '../../events/sales/activity.js';
import { activityAggregate, type ActivityState, type LinkCheckedCommand } from './activity.js';

type LinkedRecord = { exists: boolean; subjectId: string | undefined };

const linkedRecordOf = async (deps: CommandDeps, tenantId: string, linkedTo: LinkedTo): Promise<LinkedRecord> => {
  const [first] = await deps.store.readStream(streamName(tenantId, LINKABLE_TYPES[linkedTo.type], linkedTo.id), { maxCount: 1 });
  const subjectId = first?.data.subjectId;
  return { exists: first !== undefined, subjectId: typeof subjectId === 'string' ? subjectId : undefined };
};

/** A generic command with its link checked; a create linked to a person is about that person. */
export const withCheckedLink = async (deps: CommandDeps, tenantId: string, command: RecordCommand): Promise<LinkCheckedCommand> => {
  if (command.type !== 'CreateRecord') return { ...command, linkFound: true };
  const linked = await linkedRecordOf(deps, tenantId, command.fields.linkedTo as LinkedTo);
  return { ...command, linkFound: linked.exists, ...(linked.subjectId === undefined ? {} : { subjectId: linked.subjectId }) };
};

/** The activity as its stream folds, personal fields left sealed (its schedule and status are not personal). */
export const activityStateOf = async (deps: CommandDeps, tenantId: string, id: string): Promise<ActivityState> => {
  const events = await deps.store.readStream(streamName(tenantId, activityAggregate.type, id));
  return fold(activityAggregate.decider, events.map((e) => ({ type: e.type, data: e.data })));
};
