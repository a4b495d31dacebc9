/**
 * A tenant's retention policies and the record of each sweep (one stream per tenant). Setting a
 * policy to what it already is, removing one that is absent, or recording a sweep twice records nothing.
 * A policy must be about personal data (a record type holding none would erase nothing), and its
 * filter may not name a personal field: the filter is kept in the log as written, where no erasure reaches it.
 */
import { NotFoundError, RuleViolationError } from '../../errors.js';
import {
  RETENTION_AGGREGATE,
  RETENTION_STREAM_ID,
  evolveRetention,
  initialRetentionState,
  type RetentionEvent,
  type RetentionPolicy,
  type RetentionState,
  type RetentionSweep,
} from '../../events/compliance/retention.js';
import { unreachable, type Decider } from '../decider.js';
import { handleCommand, type Aggregate, type CommandContext, type CommandDeps, type CommandResult } from '../handle.js';
import { parseDuration } from './duration.js';

/** What a policy's record type and filter hold: the type's personal fields and the fields the filter names. */
export type PolicyTarget = { personal: readonly string[]; filterFields: readonly string[] };

export type RetentionCommand =
  | { type: 'SetRetentionPolicy'; policy: RetentionPolicy; target: PolicyTarget; at: string }
  | { type: 'RemoveRetentionPolicy'; policyId: string; at: string }
  | { type: 'RecordRetentionSweep'; sweep: RetentionSweep };

const policiesOf = (state: RetentionState): Record<string, RetentionPolicy> => (state.status === 'configured' ? state.policies : {});

const samePolicy = (a: RetentionPolicy | undefined, b: RetentionPolicy): boolean =>
  a !== undefined && a.recordType === b.recordType && a.filter === b.filter && a.olderThan === b.olderThan;

const checkTarget = (recordType: string, target: PolicyTarget): void => {
  if (target.personal.length === 0) {
    throw new RuleViolationError('no_personal_data', `${recordType} holds no personal data: a retention policy on it would erase nothing`, { recordType });
  }
  const fields = [...new Set(target.filterFields.filter((f) => target.personal.includes(f)))];
  if (fields.length > 0) {
    throw new RuleViolationError('personal_field_in_filter', `A retention filter is kept in plain text and may not name a personal field (${fields.join(', ')})`, { fields });
  }
};

const decide = (command: RetentionCommand, state: RetentionState): RetentionEvent[] => {
  switch (command.type) {
    case 'SetRetentionPolicy':
      parseDuration(command.policy.olderThan);
      checkTarget(command.policy.recordType, command.target);
      if (samePolicy(policiesOf(state)[command.policy.policyId], command.policy)) return [];
      return [{ type: 'RetentionPolicySet', data: { ...command.policy, setAt: command.at } }];
    case 'RemoveRetentionPolicy':
      if (!policiesOf(state)[command.policyId]) throw new NotFoundError('No such retention policy', { policyId: command.policyId });
      return [{ type: 'RetentionPolicyRemoved', data: { policyId: command.policyId, removedAt: command.at } }];
    case 'RecordRetentionSweep':
      if (state.status === 'configured' && state.sweeps.includes(command.sweep.sweepId)) return [];
      return [{ type: 'RetentionSweepCompleted', data: command.sweep }];
    default:
      return unreachable(command);
  }
};

export const retentionDecider: Decider<RetentionCommand, RetentionEvent, RetentionState> = {
  initialState: initialRetentionState,
  evolve: evolveRetention,
  decide,
};

export const retentionAggregate: Aggregate<RetentionCommand, RetentionEvent, RetentionState> = { type: RETENTION_AGGREGATE, decider: retentionDecider };

/** Sends one retention command to the context's tenant's retention stream. */
export const changeRetention = (deps: CommandDeps, command: RetentionCommand, context: CommandContext): Promise<CommandResult> =>
  handleCommand(deps, retentionAggregate, { id: RETENTION_STREAM_ID, command, context });
