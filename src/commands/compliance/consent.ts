/**
 * Consents per purpose and the restriction of processing, one stream per data subject. A change
 * that changes nothing records nothing; an erased subject can withdraw but not grant.
 */
import { ConflictError, NotFoundError } from '../../errors.js';
import {
  CONSENT_AGGREGATE,
  evolveConsent,
  initialConsentState,
  type ConsentEvent,
  type ConsentPurpose,
  type ConsentState,
  type RestrictionGround,
} from '../../events/compliance/consent.js';
import { unreachable, type Decider } from '../decider.js';
import { handleCommand, type Aggregate, type CommandContext, type CommandDeps, type CommandResult } from '../handle.js';

export type ConsentCommand =
  | { type: 'RecordConsent'; subjectId: string; purpose: ConsentPurpose; granted: boolean; source: string; at: string; subjectErased: boolean }
  | { type: 'RestrictProcessing'; subjectId: string; ground: RestrictionGround; at: string }
  | { type: 'LiftRestriction'; subjectId: string; at: string };

type RecordConsent = Extract<ConsentCommand, { type: 'RecordConsent' }>;

const recordConsent = (command: RecordConsent, state: ConsentState): ConsentEvent[] => {
  const { subjectId, purpose, source, at, granted } = command;
  if (granted && command.subjectErased) throw new ConflictError('subject_erased', 'An erased subject cannot give consent', { subjectId });
  const current = state.consents[purpose];
  if (current?.status === (granted ? 'granted' : 'withdrawn') && current.source === source) return [];
  return [{ type: granted ? 'ConsentGranted' : 'ConsentWithdrawn', data: { subjectId, purpose, source, at } }];
};

const decide = (command: ConsentCommand, state: ConsentState): ConsentEvent[] => {
  switch (command.type) {
    case 'RecordConsent':
      return recordConsent(command, state);
    case 'RestrictProcessing': {
      const { subjectId, ground, at } = command;
      if (state.status === 'restricted' && state.ground === ground) return [];
      return [{ type: 'ProcessingRestricted', data: { subjectId, ground, at } }];
    }
    case 'LiftRestriction':
      return state.status === 'unrestricted' ? [] : [{ type: 'ProcessingRestrictionLifted', data: { subjectId: command.subjectId, at: command.at } }];
    default:
      return unreachable(command);
  }
};

export const consentDecider: Decider<ConsentCommand, ConsentEvent, ConsentState> = {
  initialState: initialConsentState,
  evolve: evolveConsent,
  decide,
};

export const consentAggregate: Aggregate<ConsentCommand, ConsentEvent, ConsentState> = { type: CONSENT_AGGREGATE, decider: consentDecider };

/** 404 unless the tenant holds (or held) data about the subject: a data key was minted for them. */
export const assertKnownSubject = (deps: CommandDeps, tenantId: string, subjectId: string): void => {
  if (deps.keyStore.existingKey(tenantId, subjectId) === undefined) throw new NotFoundError('No such data subject', { subjectId });
};

export type ConsentChange =
  | { type: 'RecordConsent'; purpose: ConsentPurpose; granted: boolean; source: string }
  | { type: 'RestrictProcessing'; ground: RestrictionGround }
  | { type: 'LiftRestriction' };

/** Records a consent or restriction change about a known subject of the context's tenant. */
export const changeConsent = async (
  deps: CommandDeps,
  request: { subjectId: string; change: ConsentChange; context: CommandContext },
): Promise<CommandResult> => {
  const { subjectId, change, context } = request;
  assertKnownSubject(deps, context.tenantId, subjectId);
  const at = context.now.toISOString();
  const subjectErased = deps.keyStore.isErased(context.tenantId, subjectId);
  const command: ConsentCommand = change.type === 'RecordConsent' ? { ...change, subjectId, at, subjectErased } : { ...change, subjectId, at };
  return handleCommand(deps, consentAggregate, { id: subjectId, command, context });
};
