/**
 * The Target aggregate: an explicit decider over a state union on `status` (active, archived) for
 * a record kind with only the generic events. Its rules hold for the whole target after every
 * create or change (422, nothing appended): the period is in the grammar (`invalid_period`); a
 * revenue target is in a configured currency, the tenant's default when none is given
 * (`invalid_currency`), a count target has none (`currency_not_applicable`); a team lists its
 * members (`team_members_required`), a user has none (`members_not_applicable`); a person it
 * did not count before and the caller named is a user of the tenant who may hold a quota
 * (`assignee_not_found`, `assignee_not_active`, see `target-assignee.ts`). The period's range
 * (`periodStart`, `periodEnd`) and the defaulted currency are written into the fields.
 *
 * No two active targets share a key (`targetKeyOf`): that is checked before the decider, by the
 * uniqueness rule of the HTTP layer (409 `duplicate_target`), on the fields the target will have,
 * so a create or patch leaving the currency to the tenant's default spells it out first
 * (`withDefaultCurrency`, `patchWithDefaultCurrency`), and a patch naming some members of the
 * assignee names them all (`spelledOutPatch`): the decider then stores the same.
 */
import { RuleViolationError } from '../../errors.js';
import type { JsonObject } from '../../events/log/port.js';
import type { SalesConfig } from '../../events/sales/config.js';
import { parsePeriod } from '../../events/sales/period.js';
import { targetKind } from '../../events/sales/target.js';
import { mergedFields, patchedFields, type RecordCommand } from '../catalogue.js';
import { spelledOut } from '../merge-patch.js';
import type { Decider, DomainEvent } from '../decider.js';
import type { Aggregate } from '../handle.js';
import { bodyOf, genericPart, type LiveBody } from '../rule-record.js';
import { assertAssigneeMayHold, type AssigneeFindings } from './target-assignee.js';

export type TargetState = { status: 'none' } | ({ status: 'active' | 'archived' } & LiveBody);

/**
 * A generic command with the tenant's sales configuration it is decided against, and what the log
 * holds of the users its assignee names (absent: none named, or none to check).
 */
export type TargetCommand = RecordCommand & { config: SalesConfig; assigneeFindings?: AssigneeFindings };

const generic = genericPart(targetKind);

const evolve = (state: TargetState, event: DomainEvent): TargetState => {
  const body = generic.evolve(bodyOf(state), event);
  return body === undefined ? state : { ...body, status: body.archived ? 'archived' : 'active' };
};

const refuse = (code: string, message: string, extra?: Record<string, unknown>): never => {
  throw new RuleViolationError(code, message, extra);
};

const checkAssignee = (assignee: JsonObject): void => {
  const members = assignee.members;
  if (assignee.type === 'team' && members === undefined) refuse('team_members_required', 'A team target lists its members (user ids)');
  if (assignee.type === 'user' && members !== undefined) refuse('members_not_applicable', 'A user target has no members');
};

/** The target's currency: a revenue target's (default: the tenant's), none for a count. */
const currencyOf = (fields: JsonObject, config: SalesConfig): string | undefined => {
  const given = typeof fields.currency === 'string' ? fields.currency : undefined;
  if (fields.metric !== 'won_revenue') {
    return given === undefined ? undefined : refuse('currency_not_applicable', `A ${String(fields.metric)} target counts; it has no currency`);
  }
  const currency = given ?? config.defaultCurrency;
  if (!config.currencies.includes(currency)) refuse('invalid_currency', `${currency} is not a configured currency`, { currencies: config.currencies });
  return currency;
};

/** The derived fields of a whole target (its rules checked): the period's range and the currency. */
const derived = (fields: JsonObject, config: SalesConfig): JsonObject => {
  const period = parsePeriod(String(fields.period));
  if (!period) refuse('invalid_period', `${String(fields.period)} is not a period: use YYYY, YYYY-Qn or YYYY-MM`);
  checkAssignee(fields.assignee as JsonObject);
  const currency = currencyOf(fields, config);
  return { periodStart: period!.start, periodEnd: period!.end, ...(currency === undefined ? {} : { currency }) };
};

/** Fields leaving a revenue target's currency to the tenant's default, with that currency spelled out (others as they are). */
export const withDefaultCurrency = (fields: JsonObject, config: SalesConfig): JsonObject =>
  fields.metric === 'won_revenue' && (fields.currency === undefined || fields.currency === null) ? { ...fields, currency: config.defaultCurrency } : fields;

/** A patch of `fields` leaving a revenue target's currency to the tenant's default, with that currency spelled out (others as they are). */
export const patchWithDefaultCurrency = (fields: JsonObject, changes: JsonObject, config: SalesConfig): JsonObject => {
  const next = mergedFields(fields, changes);
  return withDefaultCurrency(next, config) === next ? changes : { ...changes, currency: config.defaultCurrency };
};

/**
 * A patch of `fields` whose values the uniqueness rule can take whole (it does not merge): the
 * assignee with every member it will have (those removed as `null`), the default currency spelled out.
 */
export const spelledOutPatch = (fields: JsonObject, changes: JsonObject, config: SalesConfig): JsonObject => {
  const assignee = changes.assignee;
  const whole = assignee === undefined || assignee === null ? changes : { ...changes, assignee: spelledOut(fields.assignee, assignee) };
  return patchWithDefaultCurrency(fields, whole, config);
};

/** A patch with the derived fields it implies (unchanged ones are dropped by the generic decider). */
const changesOf = (body: LiveBody, changes: JsonObject, config: SalesConfig, findings: AssigneeFindings | undefined): JsonObject => {
  const fields = patchedFields(targetKind, body.fields, changes);
  const next = derived(fields, config);
  assertAssigneeMayHold(body.fields.assignee, fields.assignee as JsonObject, findings);
  const currency = next.currency ?? (body.fields.currency === undefined ? undefined : null);
  return { ...changes, periodStart: next.periodStart!, periodEnd: next.periodEnd!, ...(currency === undefined ? {} : { currency }) };
};

const decide = ({ config, assigneeFindings, ...command }: TargetCommand, state: TargetState): DomainEvent[] => {
  const body = bodyOf(state);
  if (command.type === 'CreateRecord' && body === undefined) {
    const fields = { ...command.fields, ...derived(command.fields, config) };
    assertAssigneeMayHold(undefined, fields.assignee as JsonObject, assigneeFindings);
    return generic.decide({ ...command, fields }, body);
  }
  if (command.type !== 'UpdateRecord' || body === undefined || body.archived) return generic.decide(command, body);
  return generic.decide({ ...command, changes: changesOf(body, command.changes, config, assigneeFindings) }, body);
};

export const targetDecider: Decider<TargetCommand, DomainEvent, TargetState> = { initialState: () => ({ status: 'none' }), evolve, decide };

export const targetAggregate: Aggregate<TargetCommand, DomainEvent, TargetState> = { type: targetKind.type, decider: targetDecider };
