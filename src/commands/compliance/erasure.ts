/**
 * The whole erasure (issue 7): shred the key and record `PersonalDataErased` (`eraseSubject`),
 * then wait for the read models to scrub, remove queued jobs naming the subject, close the account
 * of a user who is the subject, find the records that held data about them, and keep an
 * `ErasureCertificate` in the subject's stream. The effects outside the log arrive as a port, so a
 * job and a route run the same process. A retry (or a second request) answers the certificate
 * already kept.
 *
 * One erasure covers the person (design §4): a contact merge keeps both contacts' subjects, and the
 * survivor may hold the loser's values under its own. Erasing a subject also erases those merged
 * into its contacts, however far the merges chain; the person's own request (`reach: 'person'`)
 * erases every subject linked by merges, the survivors' too. Each gets `PersonalDataErased` and a
 * certificate naming them all with all their records. The links are read from the log, so this
 * holds for merges of any date; a certificate that covered fewer subjects (kept before, or before
 * a later merge) is renewed by the next erasure covering more, which erases the rest.
 */
import { AppError } from '../../errors.js';
import { streamState } from '../../events/compliance/stream-state.js';
import { certifiesAll, subjectFold, type AffectedRecord, type ErasureCertificate, type SubjectState } from '../../events/compliance/subject.js';
import { childCommandIdFor, commandIdFor } from '../event-ids.js';
import { handleCommand, type CommandContext, type CommandDeps } from '../handle.js';
import { eraseSubject, subjectAggregate, type ErasureOutcome } from './subject.js';

/** Which read models had scrubbed the subject when the wait ended. */
export type ScrubReport = ErasureCertificate['readModels'];

/** What an erasure does outside the subject's stream. */
export type ErasureEffects = {
  /** Waits (bounded) until the read models that scrub personal data have applied `position`. */
  awaitScrub: (position: bigint) => Promise<ScrubReport>;
  /** Removes queued or retained jobs whose data names the subject; answers how many. */
  removeJobs: (subjectId: string) => Promise<number>;
  /** The subject first, then those merged into its contacts (and, reaching the `person`, those its contacts were merged into). */
  mergedSubjects: (tenantId: string, subjectId: string, reach: ErasureReach) => Promise<string[]>;
  /** The tenant's records (other than compliance's own) whose events named one of the subjects. */
  recordsNaming: (tenantId: string, subjectIds: readonly string[]) => Promise<AffectedRecord[]>;
  /** When the subject is a user of the tenant: closes the account (no sign-in by their email, sessions ended). */
  forgetAccount: (tenantId: string, subjectId: string) => Promise<void>;
};

export type ErasureDeps = CommandDeps & { erasure: ErasureEffects };

export type CompletedErasure = { alreadyErased: boolean; certificate: ErasureCertificate; position: bigint };

/**
 * `absorbed` (the default: retention, offboarding): the subject and those merged into its contacts,
 * so an expired duplicate merged away does not erase the contact that absorbed it; `person` (the
 * person's own request): every subject linked to it by merges, either way.
 */
export type ErasureReach = 'absorbed' | 'person';

export type ErasureRequest = { subjectId: string; reason: string; context: CommandContext; reach?: ErasureReach };

const subjectStateOf = (deps: CommandDeps, tenantId: string, subjectId: string): Promise<SubjectState> =>
  streamState(deps.store, tenantId, subjectId, subjectFold);

/** The subject's kept certificate, if its erasure was certified. */
export const erasureCertificateOf = async (deps: CommandDeps, tenantId: string, subjectId: string): Promise<ErasureCertificate | undefined> => {
  const state = await subjectStateOf(deps, tenantId, subjectId);
  return state.status === 'certified' ? state.certificate : undefined;
};

const latest = (positions: bigint[]): bigint => positions.reduce((a, b) => (b > a ? b : a), 0n);

/** Erases the subjects merged with the requested one, each as a child command of the request. */
const eraseMerged = async (deps: ErasureDeps, request: ErasureRequest, subjects: string[]): Promise<ErasureOutcome[]> => {
  const { context } = request;
  const outcomes: ErasureOutcome[] = [];
  for (const subjectId of subjects) {
    const merged = { ...context, commandId: childCommandIdFor(context.commandId, `erase-merged:${subjectId}`), causationId: context.commandId };
    outcomes.push(await eraseSubject(deps, { ...request, subjectId, context: merged }));
  }
  return outcomes;
};

/** The evidence every certificate of this erasure shares: what was scrubbed, removed and found. */
const certify = async (deps: ErasureDeps, subjects: string[], position: bigint, context: CommandContext) => {
  const readModels = await deps.erasure.awaitScrub(position);
  let jobsRemoved = 0;
  for (const subjectId of subjects) {
    jobsRemoved += await deps.erasure.removeJobs(subjectId);
    await deps.erasure.forgetAccount(context.tenantId, subjectId);
  }
  const records = await deps.erasure.recordsNaming(context.tenantId, subjects);
  return { readModels, jobsRemoved, records, subjects, certifiedAt: context.now.toISOString() };
};

type Evidence = Awaited<ReturnType<typeof certify>>;

const notRecorded = (subjectId: string): AppError => new AppError('erasure_not_recorded', 500, 'The erasure was not recorded', { extra: { subjectId } });

const coveredBy = (subjects: string[]) => (state: SubjectState): boolean => state.status === 'certified' && certifiesAll(state.certificate, subjects);

/** Keeps the subject's certificate: `evidence` with its own erasure's who, when and why. */
const keepCertificate = async (deps: ErasureDeps, evidence: Evidence, subjectId: string, state: SubjectState, context: CommandContext) => {
  if (state.status === 'known') throw notRecorded(subjectId);
  const [requested] = evidence.subjects;
  const certificateId = commandIdFor(context.tenantId, `erasure-certificate:${context.commandId}${subjectId === requested ? '' : `:${subjectId}`}`);
  const { erasedAt, erasedBy, reason } = state;
  const certificate: ErasureCertificate = { ...evidence, certificateId, tenantId: context.tenantId, subjectId, erasedAt, erasedBy, reason };
  const command = { type: 'CertifyErasure' as const, certificate };
  return handleCommand(deps, subjectAggregate, { id: subjectId, command, context: { ...context, commandId: certificateId } });
};

/** Certifies each subject whose kept certificate (if any) did not cover them all; answers the last position. */
const certifyAll = async (deps: ErasureDeps, subjects: string[], position: bigint, context: CommandContext): Promise<bigint> => {
  const states = await Promise.all(subjects.map((s) => subjectStateOf(deps, context.tenantId, s)));
  const covered = coveredBy(subjects);
  if (states.every(covered)) return position;
  const evidence = await certify(deps, subjects, position, context);
  let last = position;
  for (const [i, state] of states.entries()) {
    if (!covered(state)) last = latest([last, (await keepCertificate(deps, evidence, subjects[i]!, state, context)).position]);
  }
  return last;
};

/** Erases the subject, and those it reaches by merges, completely; answers its certificate (the one kept before, on a repeat). */
export const completeErasure = async (deps: ErasureDeps, request: ErasureRequest): Promise<CompletedErasure> => {
  const { subjectId, context } = request;
  const erased = await eraseSubject(deps, request);
  const merged = (await deps.erasure.mergedSubjects(context.tenantId, subjectId, request.reach ?? 'absorbed'))
    .filter((s) => s !== subjectId && deps.keyStore.existingKey(context.tenantId, s) !== undefined);
  const outcomes = [erased, ...(await eraseMerged(deps, request, merged))];
  const position = await certifyAll(deps, [subjectId, ...merged], latest(outcomes.map((o) => o.position)), context);
  const certificate = await erasureCertificateOf(deps, context.tenantId, subjectId);
  if (!certificate) throw notRecorded(subjectId);
  return { alreadyErased: outcomes.every((o) => o.alreadyErased), certificate, position };
};
