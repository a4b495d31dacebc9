/**
 * The whole erasure (issue 7): shred the key and record `PersonalDataErased` (`eraseSubject`),
 * then wait for the read models to scrub, remove queued jobs naming the subject, close the account
 * of a user who is the subject, find the records
 * that held data about them, and keep an `ErasureCertificate` in the subject's stream. The effects
 * outside the log arrive as a port, so a job and a route run the same process. A retry (or a second
 * request) answers the certificate already kept.
 */
import { AppError } from '../../errors.js';
import { streamState } from '../../events/compliance/stream-state.js';
import { subjectFold, type AffectedRecord, type ErasureCertificate, type SubjectState } from '../../events/compliance/subject.js';
import { commandIdFor } from '../event-ids.js';
import { handleCommand, type CommandContext, type CommandDeps } from '../handle.js';
import { eraseSubject, subjectAggregate } from './subject.js';

/** Which read models had scrubbed the subject when the wait ended. */
export type ScrubReport = ErasureCertificate['readModels'];

/** What an erasure does outside the subject's stream. */
export type ErasureEffects = {
  /** Waits (bounded) until the read models that scrub personal data have applied `position`. */
  awaitScrub: (position: bigint) => Promise<ScrubReport>;
  /** Removes queued or retained jobs whose data names the subject; answers how many. */
  removeJobs: (subjectId: string) => Promise<number>;
  /** The tenant's records (other than compliance's own) whose events named the subject. */
  recordsNaming: (tenantId: string, subjectId: string) => Promise<AffectedRecord[]>;
  /** When the subject is a user of the tenant: closes the account (no sign-in by their email, sessions ended). */
  forgetAccount: (tenantId: string, subjectId: string) => Promise<void>;
};

export type ErasureDeps = CommandDeps & { erasure: ErasureEffects };

export type CompletedErasure = { alreadyErased: boolean; certificate: ErasureCertificate; position: bigint };

const subjectStateOf = (deps: CommandDeps, tenantId: string, subjectId: string): Promise<SubjectState> =>
  streamState(deps.store, tenantId, subjectId, subjectFold);

/** The subject's kept certificate, if its erasure was certified. */
export const erasureCertificateOf = async (deps: CommandDeps, tenantId: string, subjectId: string): Promise<ErasureCertificate | undefined> => {
  const state = await subjectStateOf(deps, tenantId, subjectId);
  return state.status === 'certified' ? state.certificate : undefined;
};

const certify = async (deps: ErasureDeps, subjectId: string, position: bigint, context: CommandContext) => {
  const readModels = await deps.erasure.awaitScrub(position);
  const jobsRemoved = await deps.erasure.removeJobs(subjectId);
  await deps.erasure.forgetAccount(context.tenantId, subjectId);
  const records = await deps.erasure.recordsNaming(context.tenantId, subjectId);
  const certificateId = commandIdFor(context.tenantId, `erasure-certificate:${context.commandId}`);
  return { certificateId, readModels, jobsRemoved, records, certifiedAt: context.now.toISOString() };
};

/** Erases the subject completely and answers its certificate (the one kept before, on a repeat). */
export const completeErasure = async (
  deps: ErasureDeps,
  request: { subjectId: string; reason: string; context: CommandContext },
): Promise<CompletedErasure> => {
  const { subjectId, context } = request;
  const erased = await eraseSubject(deps, request);
  const state = await subjectStateOf(deps, context.tenantId, subjectId);
  if (state.status === 'certified') return { alreadyErased: true, certificate: state.certificate, position: erased.position };
  if (state.status === 'known') throw new AppError('erasure_not_recorded', 500, 'The erasure was not recorded', { extra: { subjectId } });
  const evidence = await certify(deps, subjectId, erased.position, context);
  const { erasedAt, erasedBy, reason } = state;
  const certificate: ErasureCertificate = { ...evidence, tenantId: context.tenantId, subjectId, erasedAt, erasedBy, reason };
  const command = { type: 'CertifyErasure' as const, certificate };
  const certifyContext = { ...context, commandId: evidence.certificateId };
  const recorded = await handleCommand(deps, subjectAggregate, { id: subjectId, command, context: certifyContext });
  const stored = (await erasureCertificateOf(deps, context.tenantId, subjectId)) ?? certificate;
  return { alreadyErased: erased.alreadyErased, certificate: stored, position: recorded.position };
};
