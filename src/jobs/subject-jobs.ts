/** Which queued jobs hold a data subject: any string in the job's data equal to the subject id. */
import type { JsonValue, StoredJob } from './port.js';

const holds = (value: JsonValue, subjectId: string): boolean => {
  if (typeof value === 'string') return value === subjectId;
  if (value === null || typeof value !== 'object') return false;
  return (Array.isArray(value) ? value : Object.values(value)).some((item) => holds(item, subjectId));
};

/** The `removeWhere` predicate selecting the jobs whose data names `subjectId`. */
export const jobNamesSubject = (subjectId: string) => (job: StoredJob): boolean => holds(job.data, subjectId);
