/**
 * The OpenAPI operations of the Sales rule routes (lead, opportunity, quote, contact and activity
 * rules, web forms, the sales configuration), each body described by the very validator its route
 * checks it with. The reads (reports, attainment, overdue view) are in `sales-reports.ts`.
 */
import { salesConfigValidators } from '../../commands/sales/config.js';
import { schemaOf } from '../../commands/validate.js';
import { submission } from '../public/forms.js';
import { cancelBody, completeBody, rescheduleBody } from '../sales/activities.js';
import { linkAccountBody, mergeBody } from '../sales/contacts.js';
import { convertBody, disqualifyBody, qualifyBody, statusBody } from '../sales/leads.js';
import { loseBody, reopenBody } from '../sales/opportunities.js';
import { rejectBody } from '../sales/quotes.js';
import { emptyBody } from '../records.js';
import { createBody as webFormBody } from '../sales/web-forms.js';
import { PAGE_PARAMETERS } from './access.js';
import { CONSISTENCY_POSITION } from './conventions.js';
import { IF_MATCH, pageOf } from './records.js';
import { body, created, json, operation, ref, tagged, type Operation, type Schema } from './shapes.js';

type Validate = (input: unknown) => unknown;

/**
 * A rule route: what it does, what it refuses, the component name and validator of its body, its
 * answer; `firstWrite`: it also takes `If-None-Match: *` (`ifMatchOrNoneOf`, http/command-context.ts).
 */
type Rule = { summary: string; refusals: string; body: readonly [component: string, validate: Validate]; answer?: Schema; firstWrite?: true };

const IF_NONE_MATCH = {
  name: 'If-None-Match', in: 'header', required: false, schema: { const: '*' },
  description: '`*`: write only if there is nothing yet (no ETag to send as `If-Match`); 412 otherwise. Any other value, or with `If-Match`, is a 400 `invalid_if_none_match`',
};
const FIRST_WRITE = ' Or `If-None-Match: *` for the first write: 412 once the configuration exists, so two first writes cannot overwrite each other.';

const CONVERSION = {
  type: 'object', required: ['contactId', 'position'],
  properties: { contactId: { type: 'string' }, accountId: { type: 'string' }, opportunityId: { type: 'string' }, position: { type: 'integer', minimum: 0 } },
};

const NOT_CONVERTED = '409 `lead_converted` (a converted lead is read-only), 409 `record_archived`';
const OPEN_DEAL = '409 `opportunity_closed` (reopen it first), 409 `record_archived`';
const OPEN_ACTIVITY = '409 `activity_closed`, 409 `record_archived`';

/** The record rules, keyed `METHOD /koa/path/:param` as mounted (a function: the route modules load first). */
const rules = (): Record<string, Rule> => ({
  'POST /sales/leads/:id/status': { summary: 'Set a lead status of the tenant\'s configuration that no rule owns (contacted, nurturing…)', refusals: `422 \`invalid_lead_status\`, ${NOT_CONVERTED}`, body: ['LeadStatusChange', statusBody] },
  'POST /sales/leads/:id/qualify': { summary: 'Qualify a lead (a disqualified one too: it may be converted again)', refusals: NOT_CONVERTED, body: ['LeadQualification', qualifyBody] },
  'POST /sales/leads/:id/disqualify': { summary: 'Disqualify a lead, with a reason', refusals: `422 \`reason_required\`, ${NOT_CONVERTED}`, body: ['LeadDisqualification', disqualifyBody] },
  'POST /sales/leads/:id/rescore': { summary: 'Score a lead again under the tenant\'s current scoring rules (appends `LeadScored` only when its score or reasons change)', refusals: NOT_CONVERTED, body: ['LeadRescoring', emptyBody] },
  'POST /sales/leads/:id/convert': {
    summary: 'Convert a lead, once: creates its contact, an account for its company and optionally an opportunity',
    refusals: '409 `lead_already_converted`, 409 `lead_disqualified` (qualify it first), 409 `record_archived`',
    body: ['LeadConversion', convertBody],
    answer: tagged(CONVERSION, 'The ids of the records created; the ETag is the converted lead\'s revision'),
  },
  'POST /sales/opportunities/:id/win': { summary: 'Win an open opportunity at its amount, or at the net total of a quote of it accepted since its last reopening (its weighted amount becomes the whole amount)', refusals: OPEN_DEAL, body: ['OpportunityWin', emptyBody] },
  'POST /sales/opportunities/:id/lose': { summary: 'Lose an open opportunity, with a reason', refusals: `422 \`reason_required\`, ${OPEN_DEAL}, 409 \`quote_accepted\` (an accepted quote is winning it)`, body: ['OpportunityLoss', loseBody] },
  'POST /sales/opportunities/:id/reopen': { summary: 'Reopen a won or lost opportunity at a stage of its pipeline, or of the pipeline named', refusals: '409 `opportunity_open`, 422 `invalid_stage`, 422 `invalid_pipeline`, 409 `record_archived`', body: ['OpportunityReopening', reopenBody] },
  'POST /sales/quotes/:id/send': { summary: 'Send a draft quote (numbered, for an opportunity or account); schedules its expiry', refusals: '409 `quote_not_draft`, 422 `party_required`, 422 `valid_until_past`, 422 `invalid_currency` (its currency is no longer configured), 422 `unknown_tax_rate`, `tax_rate_changed`, `unknown_product` (its lines are no longer backed by the configuration), 422 `currency_mismatch` (its opportunity\'s amount is in another currency)', body: ['QuoteSending', emptyBody] },
  'POST /sales/quotes/:id/accept': { summary: 'Accept a sent, still valid quote; the acceptance reactor wins its opportunity and rejects its open siblings', refusals: '409 `quote_not_sent`, 409 `quote_expired`, 422 `linked_record_not_found` (its opportunity is not the tenant\'s), 409 `record_archived` (its opportunity is archived: restore it first), 409 `opportunity_closed` (its opportunity is lost: reopen it first), 422 `currency_mismatch` (its opportunity\'s amount is in another currency), 409 `quote_sibling_accepted`', body: ['QuoteAcceptance', emptyBody] },
  'POST /sales/quotes/:id/reject': { summary: 'Reject a draft or sent quote, with a reason', refusals: '409 `quote_closed`, 422 `reason_required`', body: ['QuoteRejection', rejectBody] },
  'POST /sales/quotes/:id/revise': { summary: 'Revise a sent, rejected or expired quote: a draft of the next revision, same number', refusals: '409 `quote_not_revisable`', body: ['QuoteRevision', emptyBody] },
  'POST /sales/contacts/:id/merge': { summary: 'Merge a duplicate contact into this one: it fills the fields this one lacks, adds its tags and carries its consents (a withdrawal always wins) and its restriction of processing, then is archived; its deals and activities (linked or attended, any status) move to this one', refusals: '422 `merge_into_itself`, 409 `contact_merged`, 404 for an unknown loser; 503 `uniqueness_lock_unavailable` / `uniqueness_lock_lost` before any step (nothing written); 503 `consistency_timeout` when the read models lag over 5 s behind the loser\'s merge: the contacts are merged, the deals and activities not yet moved (a retry with the same Idempotency-Key, or the request sent again, moves them)', body: ['ContactMerge', mergeBody] },
  'POST /sales/contacts/:id/accounts': {
    summary: 'Link a contact to an account with roles of the tenant\'s configuration (`primary` also sets its `accountId`); relinking replaces the roles, the same link again appends nothing',
    refusals: '422 `account_not_found`, 422 `unknown_role`, 409 `record_archived`, 409 `contact_merged`',
    body: ['ContactAccountLink', linkAccountBody],
  },
  'POST /sales/activities/:id/complete': { summary: 'Complete an open activity at the request\'s time, with an optional outcome', refusals: OPEN_ACTIVITY, body: ['ActivityCompletion', completeBody] },
  'POST /sales/activities/:id/reschedule': {
    summary: 'Replace an open activity\'s schedule (a task `dueAt`, a meeting or call `startsAt`); re-enqueues its reminder',
    refusals: `422 \`note_not_scheduled\`, \`schedule_mismatch\`, \`time_required\`, \`end_before_start\`, ${OPEN_ACTIVITY}`,
    body: ['ActivityRescheduling', rescheduleBody],
  },
  'POST /sales/activities/:id/cancel': { summary: 'Cancel an open activity, with a reason', refusals: `422 \`reason_required\`, ${OPEN_ACTIVITY}`, body: ['ActivityCancellation', cancelBody] },
  'PUT /api/superadmin/sales-config': { summary: 'Replace the tenant\'s sales configuration (pipelines, lead statuses, currencies, numbering…)', refusals: '422 `invalid_sales_config` (e.g. a currency that is not ISO 4217), 422 `invalid_lead_scoring`', body: ['SalesConfig', salesConfigValidators.config], firstWrite: true },
  'PATCH /api/superadmin/sales-config': { summary: 'Change some sections of the tenant\'s sales configuration', refusals: '422 `invalid_sales_config` (e.g. a currency that is not ISO 4217), 422 `invalid_lead_scoring`', body: ['SalesConfigChange', salesConfigValidators.changes], firstWrite: true },
});

const schemaOfRule = (rule: Rule): Schema => {
  const schema = schemaOf(rule.body[1]);
  if (schema === undefined) throw new Error(`No JSON Schema for the body ${rule.body[0]}: its validator must be built with validator() (commands/validate.ts)`);
  return schema as Schema;
};

/** A body with nothing required may be left out (the routes read a missing body as `{}`). */
const requiredBody = (schema: Schema): boolean => (Array.isArray(schema.required) && schema.required.length > 0) || schema.minProperties !== undefined;

const ruleOperation = (rule: Rule): Operation => operation(rule.summary, {
  description: `Refusals: ${rule.refusals}; a malformed body 400 \`validation_failed\`. Honours \`If-Match\` (412 on another revision).${rule.firstWrite ? FIRST_WRITE : ''}`,
  parameters: rule.firstWrite ? [IF_MATCH, IF_NONE_MATCH] : [IF_MATCH],
  requestBody: body(ref(rule.body[0]), requiredBody(schemaOfRule(rule))),
  responses: { 200: rule.answer ?? json(ref('WriteResult')) },
});

const FORM_KEY = { type: 'string', description: '`<tenant>.<form id>`' };
const FORM_STATUS = (status: 'enabled' | 'disabled', summary: string, description: string): Operation => operation(summary, {
  description,
  responses: { 200: json({ type: 'object', required: ['formKey', 'status', 'position'], properties: { formKey: FORM_KEY, status: { const: status }, position: { type: 'integer' } } }, status === 'enabled' ? 'Enabled' : 'Disabled') },
});
const WEB_FORM: Schema = {
  type: 'object', required: ['formKey', 'name', 'status', 'ownerId'],
  properties: { formKey: FORM_KEY, name: { type: 'string' }, status: { enum: ['enabled', 'disabled'] }, ownerId: { type: 'string', description: 'Whom its leads belong to: its creator' } },
};

const webFormOperations = (): Record<string, Operation> => ({
  'DELETE /sales/contacts/:id/accounts/:accountId': operation('Unlink a contact from an account (its primary one: `accountId` is cleared); an account not linked appends nothing', {
    description: 'Refusals: 409 `record_archived`, 409 `contact_merged`. Honours `If-Match` (412 on another revision).',
    parameters: [IF_MATCH],
    responses: { 200: json(ref('WriteResult')) },
  }),
  'POST /api/admin/forms': operation('Create a web form for public lead capture; answers the form key to embed', {
    requestBody: body(ref('NewWebForm')),
    responses: { 201: created({ type: 'object', required: ['formKey', 'position'], properties: { formKey: FORM_KEY, position: { type: 'integer' } } }, 'The form\'s key') },
  }),
  'GET /api/admin/forms': operation('The web forms of the caller\'s organization, by id, enabled and disabled alike', {
    description: 'Needs `admin.forms:read`; an own-scoped reader lists only the forms they own.',
    parameters: [...PAGE_PARAMETERS, CONSISTENCY_POSITION],
    responses: { 200: json(pageOf(ref('WebForm'))) },
  }),
  'GET /api/admin/forms/:formKey': operation('A web form of the caller\'s organization', {
    description: 'A key of another tenant, a malformed one, an unknown form, or another\'s form to an own-scoped reader (`admin.forms:read`) is a 404.',
    responses: { 200: json(ref('WebForm')) },
  }),
  'POST /api/admin/forms/:formKey/disable': FORM_STATUS('disabled', 'Disable a web form: its public endpoint answers 404 from then on',
    'A key of another tenant or an unknown form is a 404; another\'s form is a 403 to an own-scoped `admin.forms:update`; disabling twice appends nothing.'),
  'POST /api/admin/forms/:formKey/enable': FORM_STATUS('enabled', 'Enable a disabled web form again: its public endpoint takes submissions again',
    'A key of another tenant or an unknown form is a 404; another\'s form is a 403 to an own-scoped `admin.forms:update`; enabling an enabled form appends nothing.'),
  'POST /api/public/forms/:formKey/leads': operation('Submit a web form (no token): creates a lead with `source: web_form` and the UTM fields', {
    description: 'The form key names the tenant; an unknown or disabled form is a 404. Rate limited per IP and form (429 with Retry-After). '
      + 'A filled `website` spam trap answers the same 202 and stores nothing. JSON or form-encoded, at most 16 KiB. '
      + 'An optional field sent empty (`""`, an HTML input left blank) is read as absent.',
    requestBody: { required: true, content: { 'application/json': { schema: ref('WebFormSubmission') }, 'application/x-www-form-urlencoded': { schema: ref('WebFormSubmission') } } },
    responses: { 202: json({ type: 'object', required: ['status'], properties: { status: { const: 'accepted' } } }, 'Accepted') },
  }),
  'GET /api/superadmin/sales-config': operation('The tenant\'s sales configuration in effect (the defaults until configured)', {
    description: 'Answers the ETag of its revision (once the organization has a configuration of its own), for the `If-Match` of a `PUT` or `PATCH`. '
      + 'The defaults carry no ETag (nothing is stored yet): make the first `PUT` or `PATCH` conditional with `If-None-Match: *`.',
    responses: { 200: tagged(ref('SalesConfig'), 'The configuration') },
  }),
  'GET /api/superadmin/sales-config/history': operation('The events of the tenant\'s sales configuration: each replacement or change, by whom and when (its readers, or auditors)', {
    responses: { 200: json(ref('History')) },
  }),
});

/** The component schemas of the Sales rule routes' bodies, from their validators. */
export const salesSchemas = (): Record<string, Schema> => ({
  ...Object.fromEntries(Object.values(rules()).map((rule) => [rule.body[0], schemaOfRule(rule)])),
  NewWebForm: schemaOf(webFormBody) as Schema,
  WebForm: WEB_FORM,
  WebFormSubmission: schemaOf(submission) as Schema,
});

/** Operations keyed `METHOD /koa/path/:param` as the API mounts them. */
export const salesOperations = (): Record<string, Operation> => ({
  ...Object.fromEntries(Object.entries(rules()).map(([key, rule]) => [key, ruleOperation(rule)])),
  ...webFormOperations(),
});
