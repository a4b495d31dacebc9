/**
 * Converting a lead, exactly once: the lead's `ConvertLead` is the gate (its append with the
 * expected revision refuses a second conversion), then the records it names are created, each by a
 * child command whose id (and so its record id and event ids) derives from the converting command's
 * id. A retried conversion (same command id) finds every step already applied and creates nothing twice.
 * The contact keeps the lead's subject id, so one erasure covers the person everywhere.
 */
import { fold } from '../decider.js';
import { childCommandIdFor, recordIdFor } from '../event-ids.js';
import { handleCommand, type CommandContext, type CommandDeps, type CommandResult, type Request } from '../handle.js';
import { streamName } from '../../events/log/stream-name.js';
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

/** The lead as converted (personal fields revealed). */
const convertedLead = async (deps: CommandDeps, tenantId: string, id: string) => {
  const events = (await deps.store.readStream(streamName(tenantId, leadAggregate.type, id))).map(readableEvent(deps.keyStore));
  const state = fold(leadAggregate.decider, events.map((e) => ({ type: e.type, data: e.data })));
  if (state.status !== 'converted') throw new Error(`Lead ${id} should be converted after ConvertLead`);
  return state;
};

const contactFields = (lead: JsonObject, accountId: string | null): JsonObject => ({
  ...Object.fromEntries(CONTACT_FIELDS.filter((f) => typeof lead[f] === 'string').map((f) => [f, lead[f]!])),
  ...(accountId ? { accountId } : {}),
});

/** Converts the lead and creates its contact (+ account) (+ opportunity); answers their ids and the last position. */
export const convertLead = async (deps: CommandDeps, { request, opportunity, config }: ConvertLeadInput): Promise<ConversionResult> => {
  const { context } = request;
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
