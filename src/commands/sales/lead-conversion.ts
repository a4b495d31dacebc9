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
import { fold } from '../decider.js';
import { childCommandIdFor, recordIdFor } from '../event-ids.js';
import { handleCommand, type CommandContext, type CommandDeps, type CommandResult, type Request } from '../handle.js';
import { streamName } from '../../events/log/stream-name.js';
import { SubjectErasedError } from '../../events/personal-data/errors.js';
import { readableEvent } from '../../events/personal-data/read.js';
import type { JsonObject } from '../../events/log/port.js';
import type { SalesConfig } from '../../events/sales/config.js';
import type { Conversion } from '../../events/sales/lead.js';
import type { Money } from '../../events/sales/money.js';
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

export type ConversionResult = Conversion & { position: bigint };

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
export type ConversionContact = { id: string; commandId: string; fields: JsonObject; leadRevision: bigint };

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
  if (state.status === 'none' || state.status === 'converted' || revision === undefined) return undefined;
  const contactCommandId = childCommandIdFor(commandId, 'contact');
  return { id: recordIdFor(contactCommandId), commandId: contactCommandId, fields: contactFields(state.fields, null), leadRevision: revision };
};

/** An erased person is not made a contact (it would be one without a name or an email, under their erased subject). */
const assertNotErased = async (deps: CommandDeps, tenantId: string, leadId: string): Promise<void> => {
  const lead = await leadState(deps, tenantId, leadId);
  if (lead.status === 'none' || lead.status === 'converted' || !lead.subjectId) return;
  if (deps.keyStore.isErased(tenantId, lead.subjectId)) throw new SubjectErasedError(tenantId, lead.subjectId);
};

/** Converts the lead and creates its contact (+ account) (+ opportunity); answers their ids and the last position. */
export const convertLead = async (deps: CommandDeps, { request, opportunity, config }: ConvertLeadInput): Promise<ConversionResult> => {
  const { context } = request;
  await assertNotErased(deps, context.tenantId, request.id);
  const command: LeadCommand = { type: 'ConvertLead', ids: idsOf(context.commandId), withOpportunity: opportunity !== undefined };
  const results: CommandResult[] = [await handleCommand(deps, leadAggregate, { ...request, command })];
  const { conversion, fields, subjectId, ownerId } = await convertedLead(deps, context.tenantId, request.id);
  const { contactId, accountId, opportunityId } = conversion;
  const create = { type: 'CreateRecord' as const, ownerId, tags: [] as string[] };
  if (accountId) {
    const account = { ...create, fields: { name: fields.company! } };
    results.push(await handleCommand(deps, accountAggregate, { id: accountId, command: account, context: childContext(context, 'account') }));
  }
  const contact = { ...create, fields: contactFields(fields, accountId), ...(subjectId ? { subjectId } : {}) };
  results.push(await handleCommand(deps, contactAggregate, { id: contactId, command: contact, context: childContext(context, 'contact') }));
  if (opportunityId && opportunity) {
    const deal = { ...create, config, fields: { ...opportunity, contactId, ...(accountId ? { accountId } : {}) } };
    results.push(await handleCommand(deps, opportunityAggregate, { id: opportunityId, command: deal, context: childContext(context, 'opportunity') }));
  }
  return { ...conversion, position: results.reduce((max, r) => (r.position > max ? r.position : max), 0n) };
};
