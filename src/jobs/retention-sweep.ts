/**
 * The retention sweeper (job kind `compliance.retention-sweep`, data `{ tenantId, sweepId, now? }`):
 * for each of the tenant's policies it selects the records unchanged since `now` minus the limit,
 * erases their subjects through the whole erasure process, and records a `RetentionSweepCompleted`
 * with the record ids and counts. `now` is an input (default: the clock when the job runs). A rerun
 * of one sweep id erases nothing twice and records the sweep once.
 *
 * An erasure is per subject, and one subject may hold several records (a converted lead and its
 * contact, a contact and the activities about them): a subject is erased only when every record
 * whose events name it is selected by one of the tenant's policies; otherwise its selected records
 * are reported `skipped` with the records still holding the person's data.
 */
import type Database from 'better-sqlite3';
import { completeErasure, type ErasureDeps } from '../commands/compliance/erasure.js';
import { before } from '../commands/compliance/duration.js';
import { changeRetention } from '../commands/compliance/retention.js';
import { commandIdFor } from '../commands/event-ids.js';
import { linkedRecordOf } from '../commands/record-links.js';
import type { CommandContext } from '../commands/handle.js';
import { UnavailableError } from '../errors.js';
import type { RecordKind } from '../events/catalogue.js';
import type { PolicySweep, RetentionPolicy, SkippedRecord } from '../events/compliance/retention.js';
import type { AffectedRecord } from '../events/compliance/subject.js';
import { contactKind } from '../events/sales/contact.js';
import { kindOf, retentionStateOf, selectExpired, type SelectedRecord } from '../queries/compliance/retention.js';
import { defineJob } from './define.js';

export const RETENTION_SWEEP_JOB = 'compliance.retention-sweep';

/** What the sweeper needs from the API process: the stores, the read model and the erasure's effects. */
export type ComplianceJobDeps = ErasureDeps & { readDb: Database.Database; kinds: readonly RecordKind[] };

export type SweepRequest = { tenantId: string; sweepId: string; now: Date };

type Selection = { policy: RetentionPolicy; cutoff: Date; records: SelectedRecord[] };

/** The records outside every selection that hold a subject's data (none: the subject may be erased). */
type SharedWith = (subjectId: string) => Promise<AffectedRecord[]>;

const SWEEPER = 'system:retention-sweeper';

const contextOf = (request: SweepRequest, key: string): CommandContext => ({
  tenantId: request.tenantId, actorId: SWEEPER, commandId: commandIdFor(request.tenantId, `${request.sweepId}:${key}`),
  correlationId: request.sweepId, now: request.now,
});

const recordKey = (recordType: string, id: string): string => `${recordType}/${id}`;

const select = (deps: ComplianceJobDeps, request: SweepRequest, policy: RetentionPolicy): Selection => {
  const cutoff = before(request.now, policy.olderThan);
  return { policy, cutoff, records: selectExpired(deps.readDb, kindOf(deps.kinds, policy.recordType), request.tenantId, policy, cutoff) };
};

/** A contact merged into another lives on in the one that absorbed it: it holds nothing of its own to keep. */
const isMergedAway = async (deps: ComplianceJobDeps, tenantId: string, record: AffectedRecord): Promise<boolean> =>
  record.recordType === contactKind.type && (await linkedRecordOf(deps, tenantId, contactKind, record.id)).mergedInto !== undefined;

/**
 * Asks the log once per subject about everyone its erasure would reach (it, and those merged into
 * its contacts: `completeErasure`'s default reach); an erased subject has nothing left to share.
 */
const sharedWithOutside = (deps: ComplianceJobDeps, tenantId: string, selections: Selection[]): SharedWith => {
  const selected = new Set(selections.flatMap((s) => s.records.map((r) => recordKey(s.policy.recordType, r.id))));
  const answers = new Map<string, Promise<AffectedRecord[]>>();
  const outside = async (subjectId: string): Promise<AffectedRecord[]> => {
    if (deps.keyStore.isErased(tenantId, subjectId)) return [];
    const reached = (await deps.erasure.mergedSubjects(tenantId, subjectId, 'absorbed')).filter((s) => !deps.keyStore.isErased(tenantId, s));
    const named = (await deps.erasure.recordsNaming(tenantId, [subjectId, ...reached])).filter((r) => !selected.has(recordKey(r.recordType, r.id)));
    const kept = await Promise.all(named.map(async (r) => !(await isMergedAway(deps, tenantId, r))));
    return named.filter((_, i) => kept[i]);
  };
  return (subjectId) => {
    if (!answers.has(subjectId)) answers.set(subjectId, outside(subjectId));
    return answers.get(subjectId)!;
  };
};

/** The selection's subjects that may be erased, and its records whose subject is shared. */
const partition = async ({ policy, records }: Selection, sharedWith: SharedWith) => {
  const erasable = new Set<string>();
  const skipped: SkippedRecord[] = [];
  for (const { id, subjectId } of records) {
    if (!subjectId) continue;
    const others = await sharedWith(subjectId);
    if (others.length === 0) erasable.add(subjectId);
    else skipped.push({ recordType: policy.recordType, id, subjectId, reason: 'subject_shared', sharedWith: others });
  }
  return { erasable: [...erasable], skipped };
};

const sweepPolicy = async (deps: ComplianceJobDeps, request: SweepRequest, selection: Selection, sharedWith: SharedWith): Promise<PolicySweep> => {
  const { policy, cutoff, records } = selection;
  const { erasable, skipped } = await partition(selection, sharedWith);
  let subjectsErased = 0;
  for (const subjectId of erasable) {
    const reason = `retention policy ${policy.policyId}`;
    const outcome = await completeErasure(deps, { subjectId, reason, context: contextOf(request, `erase:${subjectId}`) });
    if (!outcome.alreadyErased) subjectsErased += 1;
  }
  const { policyId, recordType } = policy;
  const counts = { subjectsErased, subjectsAlreadyErased: erasable.length - subjectsErased };
  return { policyId, recordType, cutoff: cutoff.toISOString(), records: records.map((r) => r.id), ...counts, skipped };
};

/** Applies every policy of the tenant at `request.now` and records what it did. */
export const runRetentionSweep = async (deps: ComplianceJobDeps, request: SweepRequest): Promise<PolicySweep[]> => {
  // The read model selects the records: let it apply every write made before the sweep.
  await deps.erasure.awaitScrub(await deps.store.headPosition());
  const state = await retentionStateOf(deps, request.tenantId);
  if (state.status === 'unconfigured') return [];
  const selections = Object.values(state.policies).map((policy) => select(deps, request, policy));
  const sharedWith = sharedWithOutside(deps, request.tenantId, selections);
  const swept: PolicySweep[] = [];
  for (const selection of selections) swept.push(await sweepPolicy(deps, request, selection, sharedWith));
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
