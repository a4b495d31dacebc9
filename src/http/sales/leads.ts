/**
 * `/sales/leads`: the generic record routes over the lead's own decider, plus its rules:
 * `POST /:id/status { status }` (a status of the tenant's sales configuration), `/:id/qualify { reason? }`,
 * `/:id/rescore {}` (the tenant's scoring rules applied again; generic commands carry them too),
 * `/:id/disqualify { reason }` (a reason must carry text, 422 `reason_required`; a new one is recorded, the same one changes nothing) and
 * `/:id/convert { opportunity?: { name, amount } }` → `{ contactId, accountId?, opportunityId?, position }`
 * with the lead's `ETag`
 * (409 `duplicate_email` when an active contact already holds the lead's email: merge or archive first).
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { leadAggregate, type ConfiguredLeadCommand, type LeadState } from '../../commands/sales/lead.js';
import { conversionContact, convertLead, leadRestricted, type ConversionContact, type ConvertLeadInput } from '../../commands/sales/lead-conversion.js';
import { validator } from '../../commands/validate.js';
import { contactKind } from '../../events/sales/contact.js';
import { HAS_TEXT, RULE_REASON } from '../../events/catalogue.js';
import { leadKind } from '../../events/sales/lead.js';
import { MONEY_SCHEMA, type Money } from '../../events/sales/money.js';
import { salesConfigOf } from '../../queries/sales/config.js';
import { principalOf } from '../authenticate.js';
import { emptyBody, recordRequest, sendCommand, type RecordResource, type RouteDeps } from '../records.js';
import { uniquely } from '../uniqueness.js';
import { ConflictError, PreconditionFailedError } from '../../errors.js';
import { authorize, rowScope } from '../../access/policy.js';

// Qualify's reason is optional: "" and "   " are a 400 at /reason (leave it out instead). Disqualify's
// is required by the rule: missing, "" or "   " is the decider's 422 `reason_required`.
const REASON = { type: 'string', minLength: 1, maxLength: 500, pattern: HAS_TEXT };
export const qualifyBody = validator<{ reason?: string }>({ type: 'object', additionalProperties: false, properties: { reason: REASON } });
export const disqualifyBody = validator<{ reason?: string }>({ type: 'object', additionalProperties: false, properties: { reason: RULE_REASON } });
export const convertBody = validator<{ opportunity?: { name: string; amount: Money } }>({
  type: 'object',
  additionalProperties: false,
  properties: {
    opportunity: {
      type: 'object', additionalProperties: false, required: ['name', 'amount'],
      properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, amount: MONEY_SCHEMA },
    },
  },
});


export const statusBody = validator<{ status: string }>({
  type: 'object', additionalProperties: false, required: ['status'], properties: { status: { type: 'string', minLength: 1, maxLength: 50 } },
});

const bodyOf = (ctx: Context): unknown => (ctx.request as { body?: unknown }).body ?? {};

const UPDATE = 'sales.leads:update';

type LeadRequest = ConvertLeadInput['request'];

/** A conversion creates a contact (+ account) (+ opportunity) for the lead's owner: the caller must be allowed to create each. */
const assertMayCreate = (ctx: Context, contact: ConversionContact, body: unknown): void => {
  const principal = principalOf(ctx.state);
  const creates = ['contacts', ...(contact.withAccount ? ['accounts'] : []), ...((body as { opportunity?: unknown }).opportunity ? ['opportunities'] : [])];
  for (const resource of creates) authorize(principal, `sales.${resource}:create`, { ownerId: contact.ownerId });
};

/** A conversion's refusal as the caller should read it: the lead changed while it was checked, or another conversion won. */
const explained = async (deps: RouteDeps, request: LeadRequest, error: unknown): Promise<unknown> => {
  if (error instanceof PreconditionFailedError && request.ifMatch === undefined) {
    return new ConflictError('concurrent_modification', 'The lead changed during its conversion; retry the request', { id: request.id });
  }
  if (error instanceof ConflictError && error.code === 'duplicate_email' && !(await conversionContact(deps, request))) {
    return new ConflictError('lead_already_converted', 'The lead has been converted already', { id: request.id });
  }
  return error;
};

/**
 * The conversion, checked and locked as the creation of its contact (the email rule), when it
 * would create one: of the lead's revision whose email was checked, and no other.
 */
const uniqueConversion = async <T>(deps: RouteDeps, ctx: Context, request: LeadRequest, convert: (locked: RouteDeps, pinned: LeadRequest) => Promise<T>): Promise<T> => {
  const contact = await conversionContact(deps, request);
  if (!contact) return convert(deps, request);
  assertMayCreate(ctx, contact, bodyOf(ctx));
  const pinned = { ...request, ifMatch: request.ifMatch ?? contact.leadRevision };
  const command = { type: 'CreateRecord' as const, fields: contact.fields, ownerId: null, tags: [] };
  // The other holder is a contact: named only to a caller who may read it.
  const unique = { kind: contactKind, ctx, permission: UPDATE, readPermission: 'sales.contacts:read', id: contact.id, command, commandId: contact.commandId };
  try {
    return await uniquely(deps, unique, (locked) => convert(locked, pinned));
  } catch (error) {
    throw await explained(deps, request, error);
  }
};

const convert = (deps: RouteDeps) => async (ctx: Context) => {
  const { opportunity } = convertBody(bodyOf(ctx));
  const { config } = await salesConfigOf(deps, principalOf(ctx.state).tenantId);
  const request = recordRequest<LeadState>(deps, ctx, UPDATE);
  const result = await uniqueConversion(deps, ctx, request,
    (locked, pinned) => convertLead(locked, { request: pinned, config, ...(opportunity ? { opportunity } : {}) }));
  ctx.set('ETag', `"${result.revision}"`);
  // The answer's shape is the public contract (design §8); the lead's new revision goes in the ETag.
  ctx.body = {
    contactId: result.contactId,
    ...(result.accountId ? { accountId: result.accountId } : {}),
    ...(result.opportunityId ? { opportunityId: result.opportunityId } : {}),
    position: Number(result.position),
  };
};

const changeStatus = (deps: RouteDeps) => async (ctx: Context) => {
  const { status } = statusBody(bodyOf(ctx));
  const { config } = await salesConfigOf(deps, principalOf(ctx.state).tenantId);
  return sendCommand(deps, leadAggregate, UPDATE, ctx, { type: 'ChangeLeadStatus', status, config });
};

const rescore = (deps: RouteDeps) => async (ctx: Context) => {
  emptyBody(bodyOf(ctx));
  const { tenantId } = principalOf(ctx.state);
  const { config } = await salesConfigOf(deps, tenantId);
  return sendCommand(deps, leadAggregate, UPDATE, ctx, { type: 'RescoreLead', config, restricted: await leadRestricted(deps, tenantId, ctx.params.id!) });
};

const leadRules = (router: Router, deps: RouteDeps): void => {
  router.post('/:id/rescore', rescore(deps));
  router.post('/:id/status', changeStatus(deps));
  router.post('/:id/qualify', (ctx) =>
    sendCommand(deps, leadAggregate, UPDATE, ctx, { type: 'QualifyLead', reason: qualifyBody(bodyOf(ctx)).reason ?? null }));
  router.post('/:id/disqualify', (ctx) =>
    sendCommand(deps, leadAggregate, UPDATE, ctx, { type: 'DisqualifyLead', reason: disqualifyBody(bodyOf(ctx)).reason }));
  router.post('/:id/convert', convert(deps));
};

export const leadsResource: RecordResource<LeadState, ConfiguredLeadCommand> = {
  kind: leadKind,
  aggregate: leadAggregate,
  permission: 'sales.leads',
  path: '/sales/leads',
  prepare: async (command, deps, tenantId, id) => ({
    ...command,
    config: (await salesConfigOf(deps, tenantId)).config,
    ...(command.type === 'UpdateRecord' && id !== undefined ? { restricted: await leadRestricted(deps, tenantId, id) } : {}),
  }),
  routes: leadRules,
  // The possible duplicates name contacts and leads of anyone: shown to who may read them all (the `duplicate` flag to all, as a 409 would tell).
  withheldFrom: (principal) =>
    (rowScope(principal, 'sales.contacts:read') === 'all' && rowScope(principal, 'sales.leads:read') === 'all' ? [] : ['possibleDuplicates']),
};
