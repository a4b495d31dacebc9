/**
 * `/api/compliance/subjects/:subjectId/…`: consents per purpose, the restriction of processing, and
 * `processing?purpose=` (the `mayProcess` decision with its reasons) for a data subject.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { authorize } from '../../access/policy.js';
import { assertKnownSubject, changeConsent, type ConsentChange } from '../../commands/compliance/consent.js';
import { validator } from '../../commands/validate.js';
import { InvalidInputError } from '../../errors.js';
import { CONSENT_PURPOSES, RESTRICTION_GROUNDS, type ConsentPurpose, type RestrictionGround } from '../../events/compliance/consent.js';
import { consentView, processingDecision } from '../../queries/compliance/consent.js';
import { principalOf } from '../authenticate.js';
import { answerWrite, commandContext } from '../command-context.js';
import { queryOf } from '../read-model.js';
import type { RouteDeps } from '../records.js';
import { subjectParam } from './subjects.js';

type ConsentBody = { purpose: ConsentPurpose; status: 'granted' | 'withdrawn'; source: string };
type RestrictionBody = { restricted: true; ground: RestrictionGround } | { restricted: false };

export const consentBody = validator<ConsentBody>({
  type: 'object', additionalProperties: false, required: ['purpose', 'status', 'source'],
  properties: {
    purpose: { enum: [...CONSENT_PURPOSES] }, status: { enum: ['granted', 'withdrawn'] },
    // A token naming the channel (web_form, phone, import…), never free text about the person.
    source: { type: 'string', pattern: '^[a-z][a-z0-9_.-]{0,63}$' },
  },
});

export const restrictionBody = validator<RestrictionBody>({
  oneOf: [
    { type: 'object', additionalProperties: false, required: ['restricted', 'ground'], properties: { restricted: { const: true }, ground: { enum: [...RESTRICTION_GROUNDS] } } },
    { type: 'object', additionalProperties: false, required: ['restricted'], properties: { restricted: { const: false } } },
  ],
});

const bodyOf = (ctx: Context): unknown => (ctx.request as { body?: unknown }).body;

const changeOf = (ctx: Context, kind: 'consent' | 'restriction'): ConsentChange => {
  if (kind === 'consent') {
    const { purpose, status, source } = consentBody(bodyOf(ctx));
    return { type: 'RecordConsent', purpose, granted: status === 'granted', source };
  }
  const body = restrictionBody(bodyOf(ctx));
  return body.restricted ? { type: 'RestrictProcessing', ground: body.ground } : { type: 'LiftRestriction' };
};

const change = (deps: RouteDeps, kind: 'consent' | 'restriction') => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'compliance.consents:update');
  const subjectId = subjectParam(ctx);
  const result = await changeConsent(deps, { subjectId, change: changeOf(ctx, kind), context: commandContext(ctx, deps.clock) });
  answerWrite(ctx, 200, result);
  ctx.body = { ...(ctx.body as object), ...(await consentView(deps, principal.tenantId, subjectId)) };
};

const read = (deps: RouteDeps, part: 'consents' | 'restriction') => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'compliance.consents:read');
  const subjectId = subjectParam(ctx);
  assertKnownSubject(deps, principal.tenantId, subjectId);
  const view = await consentView(deps, principal.tenantId, subjectId);
  ctx.body = part === 'consents' ? view : { subjectId, erased: view.erased, ...view.restriction };
};

const purposeOf = (ctx: Context): ConsentPurpose => {
  const { purpose } = queryOf(ctx, ['purpose']);
  if ((CONSENT_PURPOSES as readonly string[]).includes(purpose ?? '')) return purpose as ConsentPurpose;
  throw new InvalidInputError('invalid_purpose', 'purpose must be a consent purpose', [{ pointer: '/query/purpose', message: `one of ${CONSENT_PURPOSES.join(', ')}` }]);
};

const processing = (deps: RouteDeps) => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'compliance.consents:read');
  const subjectId = subjectParam(ctx);
  assertKnownSubject(deps, principal.tenantId, subjectId);
  const purpose = purposeOf(ctx);
  ctx.body = { subjectId, purpose, ...(await processingDecision(deps, principal.tenantId, subjectId, purpose)) };
};

export const consentRoutes = (deps: RouteDeps): Router => {
  const router = new Router();
  router.post('/:subjectId/consents', change(deps, 'consent'));
  router.get('/:subjectId/consents', read(deps, 'consents'));
  router.post('/:subjectId/restriction', change(deps, 'restriction'));
  router.get('/:subjectId/restriction', read(deps, 'restriction'));
  router.get('/:subjectId/processing', processing(deps));
  return router;
};
