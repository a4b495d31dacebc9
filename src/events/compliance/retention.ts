/**
 * A tenant's retention configuration, as the stream `<tenant>/compliance.retention/policies`: the
 * policies (which records of which type, older than how long, are erased) and what each sweep did.
 * Record ids and counts only: no personal data.
 */
import { unreachable, type DomainEvent } from '../../commands/decider.js';
import type { StreamFold } from './stream-state.js';
import type { AffectedRecord } from './subject.js';

export const RETENTION_AGGREGATE = 'compliance.retention';
/** The id of the one retention stream of each tenant. */
export const RETENTION_STREAM_ID = 'policies';

/** Records of `recordType` matching `filter` (the list filter language), unchanged for `olderThan` (ISO 8601 duration). */
export type RetentionPolicy = { policyId: string; recordType: string; filter: string; olderThan: string };

/**
 * A selected record whose subject the sweep did not erase: records outside every policy's selection
 * (`sharedWith`) still hold that person's data, and an erasure is per subject.
 */
export type SkippedRecord = { recordType: string; id: string; subjectId: string; reason: 'subject_shared'; sharedWith: AffectedRecord[] };

/** What a sweep did with one policy: the records it selected, the subjects it erased, and the records it left. */
export type PolicySweep = {
  policyId: string; recordType: string; cutoff: string; records: string[]; subjectsErased: number; subjectsAlreadyErased: number;
  skipped: SkippedRecord[];
};

export type RetentionSweep = { sweepId: string; ranAt: string; policies: PolicySweep[] };

export type RetentionEvent =
  | DomainEvent<'RetentionPolicySet', RetentionPolicy & { setAt: string }>
  | DomainEvent<'RetentionPolicyRemoved', { policyId: string; removedAt: string }>
  | DomainEvent<'RetentionSweepCompleted', RetentionSweep>;

export type RetentionState =
  | { status: 'unconfigured' }
  | { status: 'configured'; policies: Record<string, RetentionPolicy>; sweeps: string[]; lastSweep: RetentionSweep | undefined };

export const initialRetentionState = (): RetentionState => ({ status: 'unconfigured' });

const configured = (state: RetentionState) =>
  state.status === 'configured' ? state : { status: 'configured' as const, policies: {}, sweeps: [], lastSweep: undefined };

export const evolveRetention = (state: RetentionState, event: RetentionEvent): RetentionState => {
  const current = configured(state);
  switch (event.type) {
    case 'RetentionPolicySet': {
      const { setAt: _setAt, ...policy } = event.data;
      return { ...current, policies: { ...current.policies, [policy.policyId]: policy } };
    }
    case 'RetentionPolicyRemoved': {
      const { [event.data.policyId]: _removed, ...policies } = current.policies;
      return { ...current, policies };
    }
    case 'RetentionSweepCompleted': {
      // Sweeps recorded before `skipped` existed skipped nothing.
      const policies = event.data.policies.map((p) => ({ ...p, skipped: p.skipped ?? [] }));
      return { ...current, sweeps: [...current.sweeps, event.data.sweepId], lastSweep: { ...event.data, policies } };
    }
    default:
      return unreachable(event);
  }
};

export const retentionFold: StreamFold<RetentionEvent, RetentionState> = { type: RETENTION_AGGREGATE, initialState: initialRetentionState, evolve: evolveRetention };
