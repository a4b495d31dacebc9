/**
 * Converting a lead, exactly once: the lead's `ConvertLead` is the gate (its append with the
 * expected revision refuses a second conversion), then the records it names are created, each by a
 * child command whose id (and so its record id and event ids) derives from the converting command's
 * id. A retried conversion (same command id) finds every step already applied and creates nothing twice.
 * The contact keeps the lead's subject id, so one erasure covers the person everywhere. Its email
 * is unique among the tenant's active contacts like any other: the route checks it first under the
 * contact's uniqueness lock (`conversionContact`), so a lead whose person is already a contact is
 * refused (409 `duplicate_email`, naming that contact) before anything is written.
 */
import { fold, type DomainEvent } from '../decider.js';
import { childCommandIdFor, recordIdFor } from '../event-ids.js';
import { handleCommand, type Aggregate, type CommandContext, type CommandDeps, type CommandResult, type Request } from '../handle.js';
import { isAggregateId, streamName } from '../../events/log/stream-name.js';
import { SubjectErasedError } from '../../events/personal-data/errors.js';
import { readableEvent } from '../../events/personal-data/read.js';
import type { JsonObject } from '../../events/log/port.js';
import type { SalesConfig } from '../../events/sales/config.js';
import { hasText } from '../../events/catalogue.js';
import { leadKind, type Conversion } from '../../events/sales/lead.js';
import type { Money } from '../../events/sales/money.js';
import { assertUnrestricted, restrictionOf } from '../compliance/consent.js';
import { linkedRecordOf } from '../record-links.js';
import { accountAggregate } from './account.js';
import { contactAggregate } from './contact.js';
import { leadAggregate, type LeadCommand, type LeadState } from './lead.js';
import { opportunityAggregate } from './opportunity.js';

export type ConvertLeadInput = {
  /** The lead's command request (id, context, If-Match, the policy's guard); its command is built here. */
  request: Omit<Request<LeadCommand, LeadState>, 'command'>;
  opportunity?: { name: string; amount: Money };
  config: SalesConfig;
};

/** The records' ids, the lead's revision once converted, and the last position written. */
export type ConversionResult = Conversion & { revision: bigint; position: bigint };

const CONTACT_FIELDS = ['firstName', 'lastName', 'email', 'phone', 'jobTitle'];

const idsOf = (commandId: string): Conversion => ({
  contactId: recordIdFor(childCommandIdFor(commandId, 'contact')),
  accountId: recordIdFor(childCommandIdFor(commandId, 'account')),
  opportunityId: recordIdFor(childCommandIdFor(commandId, 'opportunity')),
});

const childContext = (context: CommandContext, role: string): CommandContext => ({
  ...context, commandId: childCommandIdFor(context.commandId, role), causationId: context.commandId,
});

/** The lead's state, personal fields revealed. */
const leadAt = async (deps: CommandDeps, tenantId: string, id: string): Promise<{ state: LeadState; revision: bigint | undefined }> => {
  const events = (await deps.store.readStream(streamName(tenantId, leadAggregate.type, id))).map(readableEvent(deps.keyStore));
  return { state: fold(leadAggregate.decider, events.map((e) => ({ type: e.type, data: e.data }))), revision: events.at(-1)?.revision };
};

const leadState = async (deps: CommandDeps, tenantId: string, id: string): Promise<LeadState> => (await leadAt(deps, tenantId, id)).state;

/** The lead as converted. */
const convertedLead = async (deps: CommandDeps, tenantId: string, id: string) => {
  const state = await leadState(deps, tenantId, id);
  if (state.status !== 'converted') throw new Error(`Lead ${id} should be converted after ConvertLead`);
  return state;
};

const contactFields = (lead: JsonObject, accountId: string | null): JsonObject => ({
  ...Object.fromEntries(CONTACT_FIELDS.filter((f) => typeof lead[f] === 'string').map((f) => [f, lead[f]!])),
  ...(accountId ? { accountId } : {}),
});

/** The contact a conversion would create: its record id, the child command creating it, and the fields it takes from the lead. */
export type ConversionContact = { id: string; commandId: string; fields: JsonObject; leadRevision: bigint; ownerId: string | null; withAccount: boolean };

/**
 * The contact that converting the lead (by the request's command) would create, so that its email
 * can be checked (and locked) as any contact's; undefined when the lead is not there or already
 * converted (the conversion then refuses, or replays a retry). Throws the request's guard's refusal.
 * `leadRevision` is the lead as read: convert that revision only (`ifMatch`), so the contact gets the email checked.
 */
export const conversionContact = async (deps: CommandDeps, request: ConvertLeadInput['request']): Promise<ConversionContact | undefined> => {
  const { tenantId, commandId } = request.context;
  const { state, revision } = await leadAt(deps, tenantId, request.id);
  request.guard?.(state); // a caller who may not convert the lead learns nothing of the contacts
  if (state.status === 'none' || revision === undefined) return undefined;
  const contactCommandId = childCommandIdFor(commandId, 'contact');
  const contactId = recordIdFor(contactCommandId);
  if (state.status === 'converted' && !(await unfinished(deps, tenantId, state.conversion, contactId))) return undefined;
  const { fields, ownerId } = state;
  return { id: contactId, commandId: contactCommandId, fields: contactFields(fields, null), leadRevision: revision, ownerId, withAccount: hasText(fields.company) };
};

/**
 * A conversion by this very command (a retry) whose contact was never created: cut between its
 * appends (a crash), it creates the contact now, and its email is checked as on the first attempt.
 */
const unfinished = async (deps: CommandDeps, tenantId: string, conversion: Conversion, contactId: string): Promise<boolean> =>
  conversion.contactId === contactId && (await deps.store.readStream(streamName(tenantId, contactAggregate.type, contactId), { maxCount: 1 })).length === 0;

/** Whether the person of the lead `id` (a well-formed id) has their processing restricted; false for no such lead. */
export const leadRestricted = async (deps: CommandDeps, tenantId: string, id: string): Promise<boolean> => {
  if (!isAggregateId(id)) return false;
  // The lead's subject is in its first event: no need to fold the lead (the command handler does).
  const { subjectId } = await linkedRecordOf(deps, tenantId, leadKind, id);
  return subjectId !== undefined && (await restrictionOf(deps, tenantId, subjectId)) !== undefined;
};

/** An erased person is not made a contact (it would be one without a name or an email, under their erased subject). */
const assertNotErased = (deps: CommandDeps, tenantId: string, lead: LeadState): void => {
  if (lead.status === 'none' || lead.status === 'converted' || !lead.subjectId) return;
  if (deps.keyStore.isErased(tenantId, lead.subjectId)) throw new SubjectErasedError(tenantId, lead.subjectId);
};

type Child = { aggregate: Aggregate<never, DomainEvent, never>; role: string; id: string; command: unknown };

/** The records a conversion creates, in order: the account (a lead with a company, never a blank one), the contact, the opportunity (asked for). */
const childrenOf = (lead: Exclude<LeadState, { status: 'none' }>, conversion: Conversion, input: ConvertLeadInput): Child[] => {
  const { contactId, accountId, opportunityId } = conversion;
  const create = { type: 'CreateRecord' as const, ownerId: lead.ownerId, tags: [] as string[] };
  const contact = { ...create, fields: contactFields(lead.fields, accountId), ...(lead.subjectId ? { subjectId: lead.subjectId } : {}) };
  const deal = input.opportunity && { ...create, config: input.config, fields: { ...input.opportunity, contactId, ...(accountId ? { accountId } : {}) } };
  const children = [
    accountId ? { aggregate: accountAggregate, role: 'account', id: accountId, command: { ...create, fields: { name: lead.fields.company! } } } : undefined,
    { aggregate: contactAggregate, role: 'contact', id: contactId, command: contact },
    opportunityId && deal ? { aggregate: opportunityAggregate, role: 'opportunity', id: opportunityId, command: deal } : undefined,
  ];
  return children.filter((child) => child !== undefined) as unknown as Child[];
};

/** Decides every record the conversion would create, as new, before anything is written: one refusal (a currency the tenant has not configured) refuses it all. */
const decideBeforehand = (lead: LeadState, input: ConvertLeadInput): void => {
  if (lead.status === 'none' || lead.status === 'converted') return; // the lead's own decider refuses, or a retry replays
  const ids = idsOf(input.request.context.commandId);
  const conversion = { ...ids, accountId: hasText(lead.fields.company) ? ids.accountId : null, opportunityId: input.opportunity ? ids.opportunityId : null };
  for (const { aggregate, command } of childrenOf(lead, conversion, input)) aggregate.decider.decide(command as never, aggregate.decider.initialState());
};

/** Converts the lead and creates its contact (+ account) (+ opportunity); answers their ids and the last position. */
export const convertLead = async (deps: CommandDeps, input: ConvertLeadInput): Promise<ConversionResult> => {
  const { request, opportunity } = input;
  const { context } = request;
  const before = await leadState(deps, context.tenantId, request.id);
  assertNotErased(deps, context.tenantId, before);
  if (before.status !== 'none' && before.status !== 'converted') await assertUnrestricted(deps, context.tenantId, before.subjectId ?? undefined, 'conversion');
  decideBeforehand(before, input);
  const command: LeadCommand = { type: 'ConvertLead', ids: idsOf(context.commandId), withOpportunity: opportunity !== undefined };
  const results: CommandResult[] = [await handleCommand(deps, leadAggregate, { ...request, command })];
  const lead = await convertedLead(deps, context.tenantId, request.id);
  for (const child of childrenOf(lead, lead.conversion, input)) {
    results.push(await handleCommand(deps, child.aggregate, { id: child.id, command: child.command as never, context: childContext(context, child.role) }));
  }
  return { ...lead.conversion, revision: results[0]!.revision, position: results.reduce((max, r) => (r.position > max ? r.position : max), 0n) };
};
