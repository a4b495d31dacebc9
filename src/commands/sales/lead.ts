/**
 * The Lead aggregate: an explicit decider over a state union on `status`. Generic commands (update,
 * archive, owner, tags) go through the catalogue's decide until the lead is converted; after that
 * it is read-only. Set a status of the tenant's configuration, qualify, disqualify (with a reason)
 * while not converted (a new reason is recorded, the same one changes nothing); convert exactly once, into
 * the records whose ids the command brings (derived from its command id by the caller).
 * Its score is computed under the tenant's scoring rules (the configuration generic commands carry):
 * on create, on an update changing a field the rules read, and on `RescoreLead`.
 */
import { ConflictError, RuleViolationError } from '../../errors.js';
import { hasText, personalDataOf } from '../../events/catalogue.js';
import {
  LEAD_CONVERTED, LEAD_DISQUALIFIED, LEAD_QUALIFIED, LEAD_STATUS_CHANGED, RULED_LEAD_STATUSES, leadKind, type Conversion, type LeadOwnEvent,
} from '../../events/sales/lead.js';
import type { SalesConfig } from '../../events/sales/config.js';
import { LEAD_SCORED, type LeadScored } from '../../events/sales/lead-scoring.js';
import { canonicalJson } from '../../events/log/canonical-json.js';
import type { JsonObject } from '../../events/log/port.js';
import { patchedFields, type RecordCommand } from '../catalogue.js';
import { unreachable, type Decider, type DomainEvent } from '../decider.js';
import type { Aggregate } from '../handle.js';
import { bodyOf, genericPart, isGenericCommand, liveBody, type LiveBody } from '../rule-record.js';
import { fieldsRead, scoreOf, scoringOf, type Score } from './lead-scoring.js';

export type LeadState =
  | { status: 'none' }
  | ({ status: 'open' } & LiveBody)
  | ({ status: 'qualified'; reason: string | null } & LiveBody)
  | ({ status: 'disqualified'; reason: string } & LiveBody)
  | ({ status: 'converted'; conversion: Conversion } & LiveBody);

/**
 * A generic command with the tenant's sales configuration (its scoring rules) it is decided against;
 * `restricted`: the person's processing is restricted, so an update rectifies without scoring again.
 */
export type ConfiguredLeadCommand = RecordCommand & { config: SalesConfig; restricted?: boolean };

export type LeadCommand =
  | ConfiguredLeadCommand
  /** `restricted`: the person's processing is restricted (no profiling: 409 `processing_restricted`). */
  | { type: 'RescoreLead'; config: SalesConfig; restricted: boolean }
  | { type: 'ChangeLeadStatus'; status: string; config: SalesConfig }
  | { type: 'QualifyLead'; reason: string | null }
  | { type: 'DisqualifyLead'; reason?: string }
  | { type: 'ConvertLead'; ids: Conversion; withOpportunity: boolean };

const generic = genericPart(leadKind);

const own = (event: DomainEvent): LeadOwnEvent | undefined =>
  [LEAD_STATUS_CHANGED, LEAD_QUALIFIED, LEAD_DISQUALIFIED, LEAD_CONVERTED].includes(event.type) ? (event as LeadOwnEvent) : undefined;

const evolveOwn = (event: LeadOwnEvent, body: LiveBody): LeadState => {
  switch (event.type) {
    case LEAD_STATUS_CHANGED:
      return { ...body, status: 'open' };
    case LEAD_QUALIFIED:
      return { ...body, status: 'qualified', reason: event.data.reason };
    case LEAD_DISQUALIFIED:
      return { ...body, status: 'disqualified', reason: event.data.reason };
    case LEAD_CONVERTED:
      return { ...body, status: 'converted', conversion: event.data };
    default:
      return unreachable(event);
  }
};

const evolve = (state: LeadState, event: DomainEvent): LeadState => {
  const body = generic.evolve(bodyOf(state), event);
  if (body === undefined) return state;
  const ownEvent = own(event);
  if (ownEvent) return evolveOwn(ownEvent, body);
  return state.status === 'none' ? { ...body, status: 'open' } : { ...state, ...body };
};

/** The lead a rule command acts on: existing, not archived, not converted. */
const unconverted = (state: LeadState, code = 'lead_converted'): Exclude<LeadState, { status: 'none' | 'converted' }> => {
  if (state.status === 'converted') throw new ConflictError(code, 'The lead is converted; it is read-only', { conversion: state.conversion });
  liveBody(bodyOf(state));
  return state as Exclude<LeadState, { status: 'none' | 'converted' }>;
};

/** A status of the tenant's configuration that no rule owns (`contacted`, `nurturing`…); the lead is open again. */
const changeStatus = (state: LeadState, status: string, config: SalesConfig): LeadOwnEvent[] => {
  const settable = config.leadStatuses.filter((s) => !RULED_LEAD_STATUSES.includes(s));
  if (!settable.includes(status)) throw new RuleViolationError('invalid_lead_status', `${status} is not a lead status that can be set`, { statuses: settable });
  return unconverted(state).fields.leadStatus === status ? [] : [{ type: LEAD_STATUS_CHANGED, data: { status } }];
};

/** Qualifies the lead, or records a new reason for it; again without a reason or with the same one, nothing. */
const qualify = (state: LeadState, reason: string | null): LeadOwnEvent[] => {
  const lead = unconverted(state);
  const unchanged = lead.status === 'qualified' && (reason === null || reason === lead.reason);
  return unchanged ? [] : [{ type: LEAD_QUALIFIED, data: { subjectId: lead.subjectId, reason } }];
};

/** Disqualifies the lead, or records a new reason for it; again with the same reason, nothing. */
const disqualify = (state: LeadState, reason: string | undefined): LeadOwnEvent[] => {
  if (!hasText(reason)) throw new RuleViolationError('reason_required', 'Disqualifying a lead needs a reason');
  const lead = unconverted(state);
  return lead.status === 'disqualified' && lead.reason === reason ? [] : [{ type: LEAD_DISQUALIFIED, data: { subjectId: lead.subjectId, reason } }];
};

const convert = (state: LeadState, { ids, withOpportunity }: Extract<LeadCommand, { type: 'ConvertLead' }>): LeadOwnEvent[] => {
  const lead = unconverted(state, 'lead_already_converted');
  if (lead.status === 'disqualified') throw new ConflictError('lead_disqualified', 'A disqualified lead cannot be converted; qualify it first');
  const accountId = hasText(lead.fields.company) ? ids.accountId : null;
  return [{ type: LEAD_CONVERTED, data: { contactId: ids.contactId, accountId, opportunityId: withOpportunity ? ids.opportunityId : null } }];
};

const scoreFields = ({ score, reasons }: Score): JsonObject => ({ score, scoreReasons: reasons });

const sameScore = (fields: JsonObject, { score, reasons }: Score): boolean =>
  fields.score === score && canonicalJson(fields.scoreReasons ?? null) === canonicalJson(reasons);

/** An update's changes, with the lead's new score when they change a field the rules read. */
const rescoredChanges = (fields: JsonObject, changes: JsonObject, config: SalesConfig): JsonObject => {
  const scoring = scoringOf(config);
  const read = fieldsRead(scoring);
  const next = patchedFields(leadKind, fields, changes);
  const touched = Object.keys(changes).some((name) => read.has(name) && canonicalJson(fields[name] ?? null) !== canonicalJson(next[name] ?? null));
  return touched ? { ...changes, ...scoreFields(scoreOf(next, scoring)) } : changes;
};

/** Generic commands: refused once converted; a create starts the lead's status at `new`; both score it (an update not while restricted). */
const decideGeneric = ({ config, restricted, ...command }: ConfiguredLeadCommand, state: LeadState): DomainEvent[] => {
  if (state.status === 'converted') unconverted(state);
  if (command.type === 'UpdateRecord' && state.status !== 'none') {
    const changes = restricted === true ? command.changes : rescoredChanges(state.fields, command.changes, config);
    return generic.decide({ ...command, changes }, bodyOf(state));
  }
  if (command.type !== 'CreateRecord') return generic.decide(command, bodyOf(state));
  const fields = { ...command.fields, leadStatus: 'new', ...scoreFields(scoreOf(command.fields, scoringOf(config))) };
  return generic.decide({ ...command, fields }, bodyOf(state));
};

/** The lead scored again under the rules in effect; nothing when neither its score nor its reasons change. */
const rescore = (state: LeadState, config: SalesConfig, restricted: boolean): LeadScored[] => {
  const { fields } = unconverted(state);
  if (restricted) throw new ConflictError('processing_restricted', 'The person\'s processing is restricted: the lead is not scored again until it is lifted');
  const next = scoreOf(fields, scoringOf(config));
  return sameScore(fields, next) ? [] : [{ type: LEAD_SCORED, data: { score: next.score, reasons: next.reasons } }];
};

const decide = (command: LeadCommand, state: LeadState): DomainEvent[] => {
  if (isGenericCommand(command)) return decideGeneric(command as ConfiguredLeadCommand, state);
  switch (command.type) {
    case 'RescoreLead':
      return rescore(state, command.config, command.restricted);
    case 'ChangeLeadStatus':
      return changeStatus(state, command.status, command.config);
    case 'QualifyLead':
      return qualify(state, command.reason);
    case 'DisqualifyLead':
      return disqualify(state, command.reason);
    case 'ConvertLead':
      return convert(state, command);
    default:
      return unreachable(command);
  }
};

export const leadDecider: Decider<LeadCommand, DomainEvent, LeadState> = {
  initialState: () => ({ status: 'none' }),
  evolve,
  decide,
};

export const leadAggregate: Aggregate<LeadCommand, DomainEvent, LeadState> = {
  type: leadKind.type,
  decider: leadDecider,
  personalData: personalDataOf(leadKind),
};
