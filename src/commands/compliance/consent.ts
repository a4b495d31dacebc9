/**
 * Consents per purpose and the restriction of processing, one stream per data subject. A change
 * that changes nothing records nothing; an erased subject can withdraw but not grant. A contact
 * merge makes the survivor's subject adopt the loser's consents (`AdoptConsents`): per purpose the
 * most restrictive wins, a withdrawal over a grant whatever their times, the newer of two alike;
 * and the loser's restriction of processing, unless the survivor's subject is restricted already.
 */
import { ConflictError, NotFoundError } from '../../errors.js';
import {
  CONSENT_AGGREGATE,
  consentFold,
  evolveConsent,
  initialConsentState,
  type ConsentEvent,
  type ConsentPurpose,
  type ConsentRecord,
  type Consents,
  type ConsentState,
  type RestrictionGround,
} from '../../events/compliance/consent.js';
import { streamState } from '../../events/compliance/stream-state.js';
import { unreachable, type Decider } from '../decider.js';
import { childCommandIdFor } from '../event-ids.js';
import { handleCommand, type Aggregate, type CommandContext, type CommandDeps, type CommandResult } from '../handle.js';

export type ConsentCommand =
  | { type: 'RecordConsent'; subjectId: string; purpose: ConsentPurpose; granted: boolean; source: string; at: string; subjectErased: boolean }
  | { type: 'RestrictProcessing'; subjectId: string; ground: RestrictionGround; at: string }
  | { type: 'LiftRestriction'; subjectId: string; at: string }
  /** Another subject's consents and restriction (`from…`, of the same person: a merged duplicate), each kept with its ground or source and time. */
  | { type: 'AdoptConsents'; subjectId: string; from: Consents; fromRestriction: Restriction | null; fromErased: boolean; subjectErased: boolean };

type Restriction = { ground: RestrictionGround; since: string };

type RecordConsent = Extract<ConsentCommand, { type: 'RecordConsent' }>;
type AdoptConsents = Extract<ConsentCommand, { type: 'AdoptConsents' }>;

const recordConsent = (command: RecordConsent, state: ConsentState): ConsentEvent[] => {
  const { subjectId, purpose, source, at, granted } = command;
  if (granted && command.subjectErased) throw new ConflictError('subject_erased', 'An erased subject cannot give consent', { subjectId });
  const current = state.consents[purpose];
  if (current?.status === (granted ? 'granted' : 'withdrawn') && current.source === source) return [];
  return [{ type: granted ? 'ConsentGranted' : 'ConsentWithdrawn', data: { subjectId, purpose, source, at } }];
};

/** Whether `other` beats `own` for one purpose: a withdrawal beats a grant whatever their times; of two alike, the newer. */
const moreRestrictive = (other: ConsentRecord, own: ConsentRecord | undefined): boolean => {
  if (own === undefined) return true;
  if (other.status !== own.status) return other.status === 'withdrawn';
  return Date.parse(other.at) > Date.parse(own.at);
};

/** The events adopting each of `from`'s consents that beat the subject's own; grants only when neither subject is erased. */
const adoptConsents = ({ subjectId, from, fromErased, subjectErased }: AdoptConsents, state: ConsentState): ConsentEvent[] =>
  (Object.entries(from) as [ConsentPurpose, ConsentRecord][])
    .filter(([purpose, record]) => moreRestrictive(record, state.consents[purpose]))
    .filter(([, record]) => record.status === 'withdrawn' || !(fromErased || subjectErased))
    .map(([purpose, { status, source, at }]) => ({
      type: status === 'granted' ? 'ConsentGranted' : 'ConsentWithdrawn', data: { subjectId, purpose, source, at },
    }));

/**
 * The merged duplicate's restriction, whatever either subject's erasure (like a withdrawal, it only
 * protects the person). A subject restricted already keeps its own ground: one restriction at a time.
 */
const adoptRestriction = ({ subjectId, fromRestriction }: AdoptConsents, state: ConsentState): ConsentEvent[] =>
  fromRestriction === null || state.status === 'restricted'
    ? []
    : [{ type: 'ProcessingRestricted', data: { subjectId, ground: fromRestriction.ground, at: fromRestriction.since } }];

const decide = (command: ConsentCommand, state: ConsentState): ConsentEvent[] => {
  switch (command.type) {
    case 'RecordConsent':
      return recordConsent(command, state);
    case 'AdoptConsents':
      return [...adoptRestriction(command, state), ...adoptConsents(command, state)];
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

/**
 * A contact merge's consent step: the surviving subject adopts the merged-away subject's consents
 * and restriction (`AdoptConsents`), as a child command of the merge (`merge-consents`), so a retry
 * appends nothing twice.
 */
export const adoptMergedConsents = async (
  deps: CommandDeps,
  request: { subjectId: string; fromSubjectId: string; context: CommandContext },
): Promise<CommandResult> => {
  const { subjectId, fromSubjectId, context } = request;
  const { tenantId } = context;
  // 1. the merged-away subject's consents, from the log; 2. decided on the surviving subject's stream.
  const from = await streamState(deps.store, tenantId, fromSubjectId, consentFold);
  const fromRestriction = from.status === 'restricted' ? { ground: from.ground, since: from.since } : null;
  const fromErased = deps.keyStore.isErased(tenantId, fromSubjectId);
  const subjectErased = deps.keyStore.isErased(tenantId, subjectId);
  const child = { ...context, commandId: childCommandIdFor(context.commandId, 'merge-consents'), causationId: context.commandId };
  const command: ConsentCommand = { type: 'AdoptConsents', subjectId, from: from.consents, fromRestriction, fromErased, subjectErased };
  return handleCommand(deps, consentAggregate, { id: subjectId, command, context: child });
};

/**
 * Refuses (409 `processing_restricted`) processing a person beyond storing their data while it is
 * restricted (GDPR art. 18): profiling them (a lead's rescore), or making records of them (a lead's
 * conversion). Lifting the restriction (`POST /api/compliance/subjects/:id/restriction`) allows it again.
 */
export const assertUnrestricted = async (deps: CommandDeps, tenantId: string, subjectId: string | undefined, doing: string): Promise<void> => {
  if (subjectId === undefined) return;
  const ground = await restrictionOf(deps, tenantId, subjectId);
  if (ground === undefined) return;
  throw new ConflictError('processing_restricted', `The person's processing is restricted (${ground}): no ${doing} until the restriction is lifted`, {
    subjectId, ground,
  });
};

/** The ground of the subject's restriction of processing, if it is restricted. */
export const restrictionOf = async (deps: CommandDeps, tenantId: string, subjectId: string): Promise<RestrictionGround | undefined> => {
  const state = await streamState(deps.store, tenantId, subjectId, consentFold);
  return state.status === 'restricted' ? state.ground : undefined;
};
