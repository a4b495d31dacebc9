/**
 * Erasure by crypto-shredding (design §4). `eraseSubject` coordinates: the key store destroys the
 * subject's data key (keeping a tombstone), then the subject's decider records `PersonalDataErased`
 * through the one command handler. Both steps are idempotent, so a retry after a failure between
 * them completes the erasure without recording it twice.
 */
import { NotFoundError, RuleViolationError } from '../../errors.js';
import { hasText } from '../../events/catalogue.js';
import {
  certifiesAll,
  evolveSubject,
  initialSubjectState,
  subjectsCovered,
  type ErasureCertificate,
  type SubjectEvent,
  type SubjectState,
} from '../../events/compliance/subject.js';
import { SUBJECT_AGGREGATE } from '../../events/personal-data/erased.js';
import { unreachable, type Decider } from '../decider.js';
import { handleCommand, type Aggregate, type CommandContext, type CommandDeps, type CommandResult } from '../handle.js';

export type SubjectCommand =
  | { type: 'EraseSubject'; subjectId: string; reason: string; erasedBy: string; at: string }
  | { type: 'CertifyErasure'; certificate: ErasureCertificate };

/** Whitespace alone is no reason (422 `reason_required`), as for every reason a rule requires. */
export const requireReason = (reason: string): void => {
  if (!hasText(reason)) throw new RuleViolationError('reason_required', 'An erasure needs a reason');
};

const decide = (command: SubjectCommand, state: SubjectState): SubjectEvent[] => {
  switch (command.type) {
    case 'EraseSubject': {
      if (state.status !== 'known') return [];
      requireReason(command.reason);
      const { subjectId, reason, erasedBy, at } = command;
      return [{ type: 'PersonalDataErased', data: { subjectId, reason, erasedBy, erasedAt: at } }];
    }
    case 'CertifyErasure':
      if (state.status === 'known') throw new RuleViolationError('not_erased', 'Only an erased subject can be certified');
      // A certificate is kept once, and renewed when this erasure covered subjects it did not.
      if (state.status === 'certified' && certifiesAll(state.certificate, subjectsCovered(command.certificate))) return [];
      return [{ type: 'ErasureCertified', data: command.certificate }];
    default:
      return unreachable(command);
  }
};

export const subjectDecider: Decider<SubjectCommand, SubjectEvent, SubjectState> = {
  initialState: initialSubjectState,
  evolve: evolveSubject,
  decide,
};

export const subjectAggregate: Aggregate<SubjectCommand, SubjectEvent, SubjectState> = {
  type: SUBJECT_AGGREGATE,
  decider: subjectDecider,
};

export type ErasureOutcome = CommandResult & { alreadyErased: boolean; erasedAt: Date };

/**
 * Erases one subject of the context's tenant (404 for an id with no data key in it): 1. destroy the data key (tombstone, WAL
 * checkpointed); 2. record `PersonalDataErased` in the subject's stream. The reason must not
 * contain personal data. Old events then read back with the subject's fields `null`.
 */
export const eraseSubject = async (
  deps: CommandDeps,
  request: { subjectId: string; reason: string; context: CommandContext },
): Promise<ErasureOutcome> => {
  const { subjectId, reason, context } = request;
  requireReason(reason);
  // A subject of the tenant has a data key (or its tombstone): any other id, another tenant's
  // included, names nobody here, and erasing it would only record an erasure of nobody.
  if (deps.keyStore.existingKey(context.tenantId, subjectId) === undefined) throw new NotFoundError('No such data subject', { subjectId });
  const erasure = { by: context.actorId, reason, at: context.now };
  const destroyed = deps.keyStore.erase(context.tenantId, subjectId, erasure);
  const command: SubjectCommand = {
    type: 'EraseSubject', subjectId, reason, erasedBy: context.actorId, at: destroyed.erasedAt.toISOString(),
  };
  const recorded = await handleCommand(deps, subjectAggregate, { id: subjectId, command, context });
  return { ...recorded, alreadyErased: destroyed.alreadyErased, erasedAt: destroyed.erasedAt };
};
