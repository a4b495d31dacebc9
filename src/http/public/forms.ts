/**
 * `POST /api/public/forms/:formKey/leads`: public web-form lead capture, without a token. The form
 * key (`<tenant>.<form id>`, created by a tenant admin) names the tenant; an unknown or disabled
 * key is a 404, a suspended (or offboarded) organization's form a 403 `organization_suspended`, and
 * one whose organization has the sales module disabled a 403 `module_disabled`. Rate limited per IP and form (429 + Retry-After; in Redis when configured). A
 * filled spam trap (`website`) answers the same 202 as a real submission and stores nothing,
 * whatever else the body holds (only the body size limit, 413, comes first).
 * The lead is created through the lead aggregate with `source: 'web_form'` and the UTM fields, and
 * scored under the tenant's rules as any other.
 */
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { koaBody } from 'koa-body';
import { recordIdFor } from '../../commands/event-ids.js';
import { handleCommand, type CommandContext, type CommandDeps } from '../../commands/handle.js';
import { leadAggregate } from '../../commands/sales/lead.js';
import { formKeyParts, webFormStateOf } from '../../commands/sales/web-form.js';
import { validator } from '../../commands/validate.js';
import { ForbiddenError, NotFoundError } from '../../errors.js';
import type { JsonObject } from '../../events/log/port.js';
import { leadKind } from '../../events/sales/lead.js';
import { salesConfigOf } from '../../queries/sales/config.js';
import type { Directory } from '../../access/directory.js';
import { assertSaneBody, bodyErrorOf } from '../json-body.js';
import type { Clock } from '../command-context.js';
import { assertModuleEnabled } from '../identity/access-gates.js';
import { limiterOf, type Limiter } from '../rate-limit.js';

export type PublicFormDeps = CommandDeps & {
  clock: Clock;
  /** Organizations and their modules: a suspended one, or one without sales, takes no submissions. */
  directory?: Pick<Directory, 'tenant' | 'modulesOf'>;
  /** Where submissions are counted (the platform's: Redis when configured); in this process by default. */
  limiter?: (name: string, points: number, windowSeconds: number) => Limiter;
  limit?: { points: number; windowSeconds: number };
};

/** Submissions per IP and form per window, unless the deps say otherwise. */
const DEFAULT_LIMIT = { points: 5, windowSeconds: 60 };
const MAX_FORM_BYTES = 16_384;

type Submission = {
  firstName: string; lastName: string; email: string; phone?: string; jobTitle?: string; company?: string; message?: string;
  utm_source?: string; utm_medium?: string; utm_campaign?: string; utm_term?: string; utm_content?: string; website?: string;
};

const field = (name: string): JsonObject => leadKind.fields[name]!;
const SUBMISSION = {
  type: 'object', additionalProperties: false, required: ['firstName', 'lastName', 'email'],
  properties: {
    firstName: field('firstName'), lastName: field('lastName'), email: field('email'), phone: field('phone'), jobTitle: field('jobTitle'),
    company: field('company'), message: field('message'),
    utm_source: field('utmSource'), utm_medium: field('utmMedium'), utm_campaign: field('utmCampaign'),
    utm_term: field('utmTerm'), utm_content: field('utmContent'),
    website: { type: 'string', maxLength: 500 },
  },
};
export const submission = validator<Submission>(SUBMISSION);

type Form = { tenantId: string; formId: string; ownerId: string };

/** The enabled form a key names: its tenant, its id, and whom its leads belong to. */
export const enabledForm = async (deps: CommandDeps, formKey: string): Promise<Form> => {
  const { tenantId, formId } = formKeyParts(formKey);
  const state = await webFormStateOf(deps, tenantId, formId);
  if (state.status !== 'enabled') throw new NotFoundError('No such form');
  return { tenantId, formId, ownerId: state.ownerId };
};

/** Refuses a form of an organization that is suspended (offboarding suspends too) or has sales disabled. */
const assertTakingLeads = (deps: PublicFormDeps, tenantId: string): void => {
  if (!deps.directory) return;
  if (deps.directory.tenant(tenantId)?.status === 'suspended') {
    throw new ForbiddenError('organization_suspended', 'This organization is suspended and takes no submissions');
  }
  assertModuleEnabled(deps.directory, tenantId, 'sales');
};

/** The lead's fields: the person, `source: 'web_form'`, the UTM parameters. */
const leadFields = (s: Submission): JsonObject => {
  const optional = {
    phone: s.phone, jobTitle: s.jobTitle, company: s.company, message: s.message,
    utmSource: s.utm_source, utmMedium: s.utm_medium, utmCampaign: s.utm_campaign, utmTerm: s.utm_term, utmContent: s.utm_content,
  };
  const given = Object.entries(optional).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return { firstName: s.firstName, lastName: s.lastName, email: s.email, source: 'web_form', ...Object.fromEntries(given) };
};

const captureLead = async (deps: PublicFormDeps, ctx: Context, form: Form, s: Submission) => {
  const requestId = String(ctx.state.requestId);
  const context: CommandContext = {
    tenantId: form.tenantId, actorId: `web-form:${form.formId}`, commandId: randomUUID(), correlationId: requestId, requestId, now: deps.clock(),
  };
  const subjectId = await deps.keyStore.newSubjectId(form.tenantId);
  const { config } = await salesConfigOf(deps, form.tenantId);
  const command = { type: 'CreateRecord' as const, fields: leadFields(s), ownerId: form.ownerId, tags: [], subjectId, config };
  await handleCommand(deps, leadAggregate, { id: recordIdFor(context.commandId), command, context, fresh: true });
};

/**
 * Whether a bot filled the spam trap (`website`, hidden from people): checked before the body is
 * validated, so whatever else it holds, a trapped submission answers the same 202 as a real one.
 */
const trapped = (body: unknown): boolean => {
  const website = (body as { website?: unknown } | null)?.website;
  return website !== undefined && website !== null && website !== '';
};

// The fields the submission's schema does not require (the trap's "" is no fill either).
const OPTIONAL = Object.keys(SUBMISSION.properties).filter((name) => !SUBMISSION.required.includes(name));

/**
 * The body with its optional fields sent empty left out: an HTML form posts an input left blank
 * as `""`, which means "not given" (as a CSV import's empty cell), not a value to refuse. A
 * required field or whitespace only is still validated, and refused.
 */
const withoutBlanks = (body: unknown): unknown => {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries(body).filter(([name, value]) => !(value === '' && OPTIONAL.includes(name))));
};

/** The public router (mount it beside the health routes: no authentication). */
export const publicFormRoutes = (deps: PublicFormDeps): Router => {
  const { points, windowSeconds } = deps.limit ?? DEFAULT_LIMIT;
  const limiter = deps.limiter ?? ((name, most, seconds) => limiterOf(undefined, name, most, seconds));
  const limit = limiter('web-form', points, windowSeconds);
  const router = new Router();
  const body = koaBody({ json: true, jsonStrict: true, urlencoded: true, jsonLimit: MAX_FORM_BYTES, formLimit: MAX_FORM_BYTES, text: false, multipart: false, onError: bodyErrorOf(MAX_FORM_BYTES) });
  router.post('/api/public/forms/:formKey/leads', body, async (ctx) => {
    const formKey = ctx.params.formKey!;
    await limit(`${ctx.ip}\0${formKey}`);
    const form = await enabledForm(deps, formKey);
    assertTakingLeads(deps, form.tenantId);
    const posted = (ctx.request as { body?: unknown }).body ?? {};
    if (!trapped(posted)) await captureLead(deps, ctx, form, submission((assertSaneBody(posted), withoutBlanks(posted))));
    ctx.status = 202;
    ctx.body = { status: 'accepted' };
  });
  return router;
};
