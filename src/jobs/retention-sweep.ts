/**
 * The retention sweeper (job kind `compliance.retention-sweep`, data `{ tenantId, sweepId, now? }`):
 * for each of the tenant's policies it selects the records unchanged since `now` minus the limit,
 * erases their subjects through the whole erasure process, and records a `RetentionSweepCompleted`
 * with the record ids and counts. `now` is an input (default: the clock when the job runs). A rerun
 * of one sweep id erases nothing twice and records the sweep once.
 */
import type Database from 'better-sqlite3';
import { completeErasure, type ErasureDeps } from '../commands/compliance/erasure.js';
import { before } from '../commands/compliance/duration.js';
import { changeRetention } from '../commands/compliance/retention.js';
import { commandIdFor } from '../commands/event-ids.js';
import type { CommandContext } from '../commands/handle.js';
import { UnavailableError } from '../errors.js';
import type { RecordKind } from '../events/catalogue.js';
import type { PolicySweep, RetentionPolicy } from '../events/compliance/retention.js';
import { kindOf, retentionStateOf, selectExpired } from '../queries/compliance/retention.js';
import { defineJob } from './define.js';

export const RETENTION_SWEEP_JOB = 'compliance.retention-sweep';

/** What the sweeper needs from the API process: the stores, the read model and the erasure's effects. */
export type ComplianceJobDeps = ErasureDeps & { readDb: Database.Database; kinds: readonly RecordKind[] };

export type SweepRequest = { tenantId: string; sweepId: string; now: Date };

const SWEEPER = 'system:retention-sweeper';

const contextOf = (request: SweepRequest, key: string): CommandContext => ({
  tenantId: request.tenantId, actorId: SWEEPER, commandId: commandIdFor(request.tenantId, `${request.sweepId}:${key}`),
  correlationId: request.sweepId, now: request.now,
});

const sweepPolicy = async (deps: ComplianceJobDeps, request: SweepRequest, policy: RetentionPolicy): Promise<PolicySweep> => {
  const cutoff = before(request.now, policy.olderThan);
  const records = selectExpired(deps.readDb, kindOf(deps.kinds, policy.recordType), request.tenantId, policy, cutoff);
  const subjects = [...new Set(records.flatMap((r) => (r.subjectId ? [r.subjectId] : [])))];
  let subjectsErased = 0;
  for (const subjectId of subjects) {
    const reason = `retention policy ${policy.policyId}`;
    const outcome = await completeErasure(deps, { subjectId, reason, context: contextOf(request, `erase:${subjectId}`) });
    if (!outcome.alreadyErased) subjectsErased += 1;
  }
  const { policyId, recordType } = policy;
  return { policyId, recordType, cutoff: cutoff.toISOString(), records: records.map((r) => r.id), subjectsErased, subjectsAlreadyErased: subjects.length - subjectsErased };
};

/** Applies every policy of the tenant at `request.now` and records what it did. */
export const runRetentionSweep = async (deps: ComplianceJobDeps, request: SweepRequest): Promise<PolicySweep[]> => {
  // The read model selects the records: let it apply every write made before the sweep.
  await deps.erasure.awaitScrub(await deps.store.headPosition());
  const state = await retentionStateOf(deps, request.tenantId);
  const policies = state.status === 'configured' ? Object.values(state.policies) : [];
  if (state.status === 'unconfigured') return [];
  const swept: PolicySweep[] = [];
  for (const policy of policies) swept.push(await sweepPolicy(deps, request, policy));
  const sweep = { sweepId: request.sweepId, ranAt: request.now.toISOString(), policies: swept };
  await changeRetention(deps, { type: 'RecordRetentionSweep', sweep }, contextOf(request, 'record'));
  return swept;
};

export const retentionSweepJob = defineJob<{ tenantId: string; sweepId: string; now?: string }>({
  name: RETENTION_SWEEP_JOB,
  options: { attempts: 3, backoffMs: 5_000 },
  hostedBy: 'api',
  handler: (deps) => async (job) => {
    if (!deps.compliance) throw new UnavailableError('sweeper_unavailable', 'Retention sweeps run in the API process');
    const { tenantId, sweepId, now } = job.data;
    await runRetentionSweep(deps.compliance, { tenantId, sweepId, now: now ? new Date(now) : new Date() });
  },
});
