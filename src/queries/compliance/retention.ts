/**
 * Retention as the read side sees it: a tenant's policies and last sweep (from the log), the check
 * of a policy against the record type's list (its filter is the list filter language), and the
 * records a policy selects at a cutoff, read from the read model page by page.
 */
import type Database from 'better-sqlite3';
import { InvalidInputError } from '../../errors.js';
import type { RecordKind } from '../../events/catalogue.js';
import { RETENTION_STREAM_ID, retentionFold, type RetentionPolicy, type RetentionState } from '../../events/compliance/retention.js';
import { streamState } from '../../events/compliance/stream-state.js';
import { parseFilter, type FilterNode } from '../filter.js';
import { checkListQuery, everyRecord } from '../record-list.js';
import type { ReadDeps } from '../records.js';

export const retentionStateOf = (deps: Pick<ReadDeps, 'store'>, tenantId: string): Promise<RetentionState> =>
  streamState(deps.store, tenantId, RETENTION_STREAM_ID, retentionFold);

/** The kind a policy names; 400 `unknown_record_type` for a type without a read model. */
export const kindOf = (kinds: readonly RecordKind[], recordType: string): RecordKind => {
  const kind = kinds.find((k) => k.type === recordType);
  if (kind) return kind;
  throw new InvalidInputError('unknown_record_type', `No record type ${recordType}`, [{ pointer: '/recordType', message: 'not a record type with a list' }]);
};

/** The list filter of a policy at a cutoff: its own filter, and unchanged since before the cutoff. */
const sweepFilter = (policy: RetentionPolicy, cutoff: Date): string => {
  const age = `updatedAt[lt]:"${cutoff.toISOString()}"`;
  return policy.filter.trim() === '' ? age : `and(${policy.filter},${age})`;
};

/** The top-level fields a filter compares (`amount` for `amount.amount`). */
const fieldsOf = (node: FilterNode | undefined): string[] => {
  if (!node) return [];
  if (node.kind === 'comparison') return [node.field.split('.')[0]!];
  return node.kind === 'not' ? fieldsOf(node.item) : node.items.flatMap(fieldsOf);
};

/**
 * Refuses (400, the list engine's codes) a policy whose filter the record type's list would refuse;
 * answers the type's personal fields and the fields the filter names, for the decider's rules.
 */
export const checkPolicy = (
  db: Database.Database, kinds: readonly RecordKind[], tenantId: string, policy: RetentionPolicy,
): { personal: readonly string[]; filterFields: string[] } => {
  const kind = kindOf(kinds, policy.recordType);
  checkListQuery(db, kind, { filter: sweepFilter(policy, new Date()) });
  return { personal: kind.personal, filterFields: fieldsOf(parseFilter(policy.filter)) };
};

export type SelectedRecord = { id: string; subjectId: string | null };

/** Every record of the tenant the policy selects at `cutoff`, oldest change first. */
export const selectExpired = (db: Database.Database, kind: RecordKind, tenantId: string, policy: RetentionPolicy, cutoff: Date): SelectedRecord[] =>
  everyRecord(db, kind, { tenantId }, { filter: sweepFilter(policy, cutoff), sort: 'updatedAt' })
    .map((r) => ({ id: r.id, subjectId: typeof r.subjectId === 'string' ? r.subjectId : null }));
