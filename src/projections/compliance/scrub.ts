/**
 * How an erasure learns which read models scrubbed the subject: the projections that handle
 * `PersonalDataErased` are waited for (bounded) up to the erasure's position. One still behind
 * (failed, rebuilding from scratch, slow) is reported `pending`; it scrubs when it catches up.
 */
import type { ErasureCertificate } from '../../events/compliance/subject.js';
import { PERSONAL_DATA_ERASED } from '../../events/personal-data/erased.js';
import type { Projector } from '../projector.js';
import type { ProjectionRunner } from '../runner.js';

export type ScrubReport = ErasureCertificate['readModels'];

/** The names of the projections that hold personal data (they handle `PersonalDataErased`). */
export const scrubbingProjections = (projectors: readonly Projector[]): string[] =>
  projectors.filter((p) => p.handles.includes(PERSONAL_DATA_ERASED)).map((p) => p.name);

/** Waits for each scrubbing projection to reach `position`, at most `timeoutMs` in all. */
export const scrubWaiter = (runner: Pick<ProjectionRunner, 'waitForPosition'>, names: readonly string[], timeoutMs = 5_000) =>
  async (position: bigint): Promise<ScrubReport> => {
    const reached = await Promise.all(names.map((name) => runner.waitForPosition(position, timeoutMs, [name]).then(() => true, () => false)));
    return { scrubbed: names.filter((_, i) => reached[i]), pending: names.filter((_, i) => !reached[i]) };
  };
