/**
 * Subject access (GDPR art. 15): everything the tenant holds about one data subject, across every
 * module, found in the log: each stream with an event naming the subject (its stored personal-data
 * descriptor, or a `subjectId` in its data), with the record's current state when it is a
 * catalogue kind, and all its events; personal fields decrypted, `null` and listed as erased after
 * erasure, and the erasures themselves (the subject's own stream). The same scan finds the meetings
 * and calls the subject attended without being what they are linked to (`subject-attended.ts`).
 * A person whose contacts were merged has a subject per contact (`subject-merges.ts`): the export
 * of any one of them holds the records of all, and names the others under `mergedSubjects`.
 *
 * Cost: two scans of the whole log (every tenant's events) per export, one for the merges, then
 * one read per stream found. Exports are rare and audited; an index of subjects would make this
 * proportional to the person's records.
 */
import { NotFoundError } from '../errors.js';
import type { RecordKind } from '../events/catalogue.js';
import type { JsonObject, RecordedEvent } from '../events/log/port.js';
import { scanLog } from '../events/log/scan.js';
import { parseStreamName, streamName } from '../events/log/stream-name.js';
import { isPersonalDataErased, SUBJECT_AGGREGATE } from '../events/personal-data/erased.js';
import { descriptorOf } from '../events/personal-data/protect.js';
import { readableEvents } from '../events/personal-data/stream-subjects.js';
import { getRecord, historyEntryOf, type HistoryEntry, type ReadDeps, type RecordView } from './records.js';
import { attendanceScan, attendedActivityOf, type AttendedActivity } from './subject-attended.js';
import { mergedSubjectsOf } from './subject-merges.js';

export type SubjectRecord = { recordType: string; id: string; state: RecordView | null; events: HistoryEntry[] };

export type SubjectErasure = { erasedAt: string; erasedBy: string; reason: string; position: number };

/** Another subject of the same person (a contact merged with one of theirs). */
export type MergedSubject = { subjectId: string; erased: boolean; erasures: SubjectErasure[] };

export type SubjectExport = {
  subjectId: string;
  erased: boolean;
  erasures: SubjectErasure[];
  /** Records and attended activities of these subjects are among `records` and `attended`. */
  mergedSubjects: MergedSubject[];
  records: SubjectRecord[];
  attended: AttendedActivity[];
};

const inTenant = (tenantId: string) => (e: RecordedEvent): boolean => e.stream.startsWith(`${tenantId}/`) && e.metadata.tenantId === tenantId;

const namesSubject = (subjectIds: readonly string[]) => (e: RecordedEvent): boolean => {
  const subjects = descriptorOf(e.metadata)?.subjects;
  return subjectIds.some((s) => subjects?.includes(s) === true || e.data.subjectId === s);
};

/** The streams of the tenant holding an event about one of the subjects, in the order first seen; `see` is shown every event of the tenant. */
export const subjectStreams = async (
  deps: ReadDeps, tenantId: string, subjectIds: readonly string[], see?: (e: RecordedEvent) => void,
): Promise<string[]> => {
  const [ours, names] = [inTenant(tenantId), namesSubject(subjectIds)];
  const streams = new Set<string>();
  for await (const event of scanLog(deps.store)) {
    if (!ours(event)) continue;
    if (names(event)) streams.add(event.stream);
    see?.(event);
  }
  return [...streams];
};

const recordOf = (deps: ReadDeps, kinds: readonly RecordKind[], tenantId: string) => async (stream: string): Promise<SubjectRecord> => {
  const { aggregateType, id } = parseStreamName(stream);
  const events = (await readableEvents(deps.store, deps.keyStore, await deps.store.readStream(stream))).map(historyEntryOf);
  const kind = kinds.find((k) => k.type === aggregateType);
  return { recordType: aggregateType, id, state: kind ? await getRecord(deps, kind, tenantId, id) : null, events };
};

const erasuresOf = async (deps: ReadDeps, tenantId: string, subjectId: string): Promise<SubjectErasure[]> => {
  const events = await deps.store.readStream(streamName(tenantId, SUBJECT_AGGREGATE, subjectId));
  return events.filter(isPersonalDataErased).map((e) => {
    const data = e.data as JsonObject & { erasedAt: string; erasedBy: string; reason: string };
    return { erasedAt: data.erasedAt, erasedBy: data.erasedBy, reason: data.reason, position: Number(e.position) };
  });
};

/**
 * Everything held about `subjectId` in the tenant. `kinds` are the catalogue record kinds whose
 * current state can be folded; other streams are given by their events alone.
 * @throws NotFoundError (404) when no event of the tenant names the subject.
 */
export const subjectExport = async (
  deps: ReadDeps,
  kinds: readonly RecordKind[],
  tenantId: string,
  subjectId: string,
): Promise<SubjectExport> => {
  const subjects = await mergedSubjectsOf(deps, tenantId, subjectId, 'person');
  const attendance = attendanceScan(subjects);
  const streams = await subjectStreams(deps, tenantId, subjects, attendance.see);
  if (streams.length === 0) throw new NotFoundError('No such data subject', { subjectId });
  const own = streams.filter((s) => parseStreamName(s).aggregateType !== SUBJECT_AGGREGATE);
  const named = new Set(streams);
  const attended = [...attendance.attended()].filter(([stream]) => !named.has(stream));
  const erasure = async (subject: string): Promise<MergedSubject> =>
    ({ subjectId: subject, erased: deps.keyStore.isErased(tenantId, subject), erasures: await erasuresOf(deps, tenantId, subject) });
  const [self, ...merged] = await Promise.all(subjects.map(erasure));
  return {
    ...self!,
    mergedSubjects: merged,
    records: await Promise.all(own.map(recordOf(deps, kinds, tenantId))),
    attended: await Promise.all(attended.map(attendedActivityOf(deps, tenantId))),
  };
};
