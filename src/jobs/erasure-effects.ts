/** The erasure's effects outside the log, composed from the running projections, queue and log. */
import type { ErasureEffects } from '../commands/compliance/erasure.js';
import type { EventStore } from '../events/log/port.js';
import type { KeyStore } from '../events/personal-data/key-store.js';
import { scrubbingProjections, scrubWaiter } from '../projections/compliance/scrub.js';
import type { Projector } from '../projections/projector.js';
import type { ProjectionRunner } from '../projections/runner.js';
import { recordsNaming } from '../queries/compliance/subjects.js';
import { mergedSubjectsOf } from '../queries/subject-merges.js';
import type { JobQueue } from './port.js';
import { jobNamesSubject } from './subject-jobs.js';

export type ErasureEffectsDeps = {
  store: EventStore;
  keyStore: KeyStore;
  projections: Pick<ProjectionRunner, 'waitForPosition'>;
  projectors: readonly Projector[];
  queue: Pick<JobQueue, 'removeWhere'>;
  /** Closes a user's account (identity); a process without the directory has no accounts to close. */
  forgetAccount?: ErasureEffects['forgetAccount'];
};

export const erasureEffects = (deps: ErasureEffectsDeps): ErasureEffects => ({
  awaitScrub: scrubWaiter(deps.projections, scrubbingProjections(deps.projectors)),
  removeJobs: (subjectId) => deps.queue.removeWhere(jobNamesSubject(subjectId)),
  mergedSubjects: (tenantId, subjectId, reach) => mergedSubjectsOf(deps, tenantId, subjectId, reach),
  recordsNaming: (tenantId, subjectIds) => recordsNaming(deps, tenantId, subjectIds),
  forgetAccount: deps.forgetAccount ?? (async () => undefined),
});
