/**
 * Offboarding an organization (a platform operator's action): record that it started (from then on
 * the organization cannot be reactivated), suspend it, so its users and clients are refused, erase
 * every data subject of its tenant through the whole erasure process, suspend it again (should a
 * reactivation have raced the start), then record `OrganizationOffboarded`. Each step is
 * idempotent: a retry after a failure erases the rest; a repeat answers the certificate kept.
 */
import type { Directory } from '../../access/directory.js';
import { NotFoundError } from '../../errors.js';
import {
  OFFBOARDING_AGGREGATE,
  evolveOffboarding,
  initialOffboardingState,
  offboardingFold,
  type OffboardingCertificate,
  type OffboardingEvent,
  type OffboardingState,
} from '../../events/compliance/offboarding.js';
import { PLATFORM_TENANT } from '../../events/identity/organization.js';
import { streamState } from '../../events/compliance/stream-state.js';
import { isReservedSubject } from '../../events/personal-data/key-store.js';
import { unreachable, type Decider } from '../decider.js';
import { commandIdFor } from '../event-ids.js';
import { handleCommand, type Aggregate, type CommandContext } from '../handle.js';
import { setOrganizationStatus } from '../identity/accounts.js';
import { completeErasure, type ErasureDeps } from './erasure.js';
import { requireReason } from './subject.js';

export type OffboardingCommand =
  | { type: 'StartOffboarding'; organizationId: string; at: string }
  | { type: 'RecordOffboarding'; certificate: OffboardingCertificate };

const decide = (command: OffboardingCommand, state: OffboardingState): OffboardingEvent[] => {
  switch (command.type) {
    case 'StartOffboarding':
      return state.status === 'active' ? [{ type: 'OrganizationOffboardingStarted', data: { organizationId: command.organizationId, startedAt: command.at } }] : [];
    case 'RecordOffboarding':
      return state.status === 'offboarded' ? [] : [{ type: 'OrganizationOffboarded', data: command.certificate }];
    default:
      return unreachable(command);
  }
};

export const offboardingDecider: Decider<OffboardingCommand, OffboardingEvent, OffboardingState> = {
  initialState: initialOffboardingState,
  evolve: evolveOffboarding,
  decide,
};

const offboardingAggregate: Aggregate<OffboardingCommand, OffboardingEvent, OffboardingState> = { type: OFFBOARDING_AGGREGATE, decider: offboardingDecider };

export type OffboardingDeps = ErasureDeps & {
  directory: Directory;
  /** Every subject the tenant's events name. */
  tenantSubjects: (tenantId: string) => Promise<string[]>;
};

/** The kept certificate of an offboarded organization. */
export const offboardingCertificateOf = async (deps: ErasureDeps, organizationId: string): Promise<OffboardingCertificate | undefined> => {
  const state = await streamState(deps.store, PLATFORM_TENANT, organizationId, offboardingFold);
  return state.status === 'offboarded' ? state.certificate : undefined;
};

/** Appends to the offboarding's stream; `step` keeps each step's command (so event) ids apart. */
const record = (deps: OffboardingDeps, organizationId: string, step: string, command: OffboardingCommand, context: CommandContext) => {
  const commandId = commandIdFor(PLATFORM_TENANT, `${step}:${context.commandId}`);
  return handleCommand(deps, offboardingAggregate, { id: organizationId, command, context: { ...context, tenantId: PLATFORM_TENANT, commandId } });
};

/**
 * Suspends the organization, with a command id of its own per `step`: one already used would
 * replay its first suspension and leave a reactivation that came after it.
 */
const suspend = (deps: OffboardingDeps, organizationId: string, step: string, reason: string, context: CommandContext) =>
  setOrganizationStatus(deps, organizationId, { suspend: true, reason }, { ...context, commandId: commandIdFor(PLATFORM_TENANT, `${step}:${context.commandId}`) });

/** Erases each subject as the tenant's own erasure would; answers how many were erased now. */
const eraseAll = async (deps: OffboardingDeps, organizationId: string, subjects: string[], context: CommandContext, reason: string) => {
  // Counted before: erasing one subject also erases those merged into its contacts, later in the list.
  const erasedBefore = subjects.filter((s) => deps.keyStore.isErased(organizationId, s)).length;
  for (const subjectId of subjects) {
    const commandId = commandIdFor(organizationId, `offboard:${context.commandId}:${subjectId}`);
    const subjectContext = { ...context, tenantId: organizationId, commandId };
    await completeErasure(deps, { subjectId, reason, context: subjectContext });
  }
  return subjects.length - erasedBefore;
};

/** Offboards the organization; `context` is the platform operator's. */
export const offboardOrganization = async (
  deps: OffboardingDeps,
  request: { organizationId: string; reason: string; context: CommandContext },
): Promise<{ alreadyOffboarded: boolean; certificate: OffboardingCertificate }> => {
  const { organizationId, reason, context } = request;
  // Checked before the start is recorded: the suspension and the erasures would refuse it half-way.
  requireReason(reason);
  if (!deps.directory.tenant(organizationId) || organizationId === PLATFORM_TENANT) throw new NotFoundError('No such organization');
  const kept = await offboardingCertificateOf(deps, organizationId);
  if (kept) return { alreadyOffboarded: true, certificate: kept };
  await record(deps, organizationId, 'offboarding-start', { type: 'StartOffboarding', organizationId, at: context.now.toISOString() }, context);
  await suspend(deps, organizationId, 'offboarding-suspend', reason, context);
  const subjects = (await deps.tenantSubjects(organizationId)).filter((s) => !isReservedSubject(s));
  const subjectsErased = await eraseAll(deps, organizationId, subjects, context, reason);
  await suspend(deps, organizationId, 'offboarding-end', reason, context);
  const certificate: OffboardingCertificate = {
    organizationId, reason, offboardedBy: context.actorId, offboardedAt: context.now.toISOString(),
    subjects: subjects.length, subjectsErased, subjectsAlreadyErased: subjects.length - subjectsErased,
  };
  await record(deps, organizationId, 'offboarding', { type: 'RecordOffboarding', certificate }, context);
  return { alreadyOffboarded: false, certificate: (await offboardingCertificateOf(deps, organizationId)) ?? certificate };
};
