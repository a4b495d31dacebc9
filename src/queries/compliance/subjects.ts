/**
 * The log as compliance searches it: the records holding data about one person's subjects (for the
 * erasure certificate), and every subject a tenant holds data about (for offboarding). Both scan
 * the whole log once; erasures and offboardings are rare.
 */
import type { AffectedRecord } from '../../events/compliance/subject.js';
import type { RecordedEvent } from '../../events/log/port.js';
import { scanLog } from '../../events/log/scan.js';
import { parseStreamName } from '../../events/log/stream-name.js';
import { descriptorOf } from '../../events/personal-data/protect.js';
import { subjectStreams } from '../subject-access.js';
import type { ReadDeps } from '../records.js';

/** Compliance's own streams name the subject too; they are not records holding their data. */
const isComplianceStream = (aggregateType: string): boolean => aggregateType.startsWith('compliance.');

/** The tenant's records whose events named one of the subjects, in the order first seen. */
export const recordsNaming = async (deps: ReadDeps, tenantId: string, subjectIds: readonly string[]): Promise<AffectedRecord[]> =>
  (await subjectStreams(deps, tenantId, subjectIds))
    .map(parseStreamName)
    .filter((s) => !isComplianceStream(s.aggregateType))
    .map(({ aggregateType, id }) => ({ recordType: aggregateType, id }));

const subjectsOf = (event: RecordedEvent): string[] => [
  ...(descriptorOf(event.metadata)?.subjects ?? []),
  ...(typeof event.data.subjectId === 'string' ? [event.data.subjectId] : []),
];

/** Every subject the tenant's events name (personal-data descriptors and `subjectId` fields). */
export const tenantSubjects = async (deps: Pick<ReadDeps, 'store'>, tenantId: string): Promise<string[]> => {
  const subjects = new Set<string>();
  for await (const event of scanLog(deps.store)) {
    if (event.stream.startsWith(`${tenantId}/`) && event.metadata.tenantId === tenantId) subjectsOf(event).forEach((s) => subjects.add(s));
  }
  return [...subjects];
};
