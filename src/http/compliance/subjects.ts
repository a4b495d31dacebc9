/**
 * `/api/compliance/subjects`: GDPR erasure by crypto-shredding. `POST /:subjectId/erase` with a
 * reason (no personal data in it) destroys the subject's data key, records PersonalDataErased,
 * waits for the read models to scrub, removes queued jobs naming the subject and answers the
 * erasure certificate, which `GET /:subjectId/erasure-certificate` reads again later. It is the
 * person's request: it reaches every subject their contacts' merges link to this one.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { authorize } from '../../access/policy.js';
import { completeErasure, erasureCertificateOf, type ErasureEffects } from '../../commands/compliance/erasure.js';
import { NotFoundError } from '../../errors.js';
import { principalOf } from '../authenticate.js';
import { commandContext } from '../command-context.js';
import { reasonBody } from '../identity/schemas.js';
import type { RouteDeps } from '../records.js';

export type SubjectRouteDeps = RouteDeps & { erasure: ErasureEffects };

export const SUBJECT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The `:subjectId` of the path; a malformed one names no subject (404). */
export const subjectParam = (ctx: Context): string => {
  const subjectId = ctx.params.subjectId!;
  if (!SUBJECT.test(subjectId)) throw new NotFoundError('No such data subject');
  return subjectId;
};

const erase = (deps: SubjectRouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'compliance.subjects:erase');
  const subjectId = subjectParam(ctx);
  const { reason } = reasonBody((ctx.request as { body?: unknown }).body);
  const outcome = await completeErasure(deps, { subjectId, reason, context: commandContext(ctx, deps.clock), reach: 'person' });
  const { certificate } = outcome;
  ctx.body = { subjectId, erasedAt: certificate.erasedAt, alreadyErased: outcome.alreadyErased, position: Number(outcome.position), certificate };
};

const certificate = (deps: SubjectRouteDeps) => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'compliance.subjects:read');
  const kept = await erasureCertificateOf(deps, principal.tenantId, subjectParam(ctx));
  if (!kept) throw new NotFoundError('No erasure certificate for this subject');
  ctx.body = kept;
};

export const subjectRoutes = (deps: SubjectRouteDeps): Router => {
  const router = new Router();
  router.post('/:subjectId/erase', erase(deps));
  router.get('/:subjectId/erasure-certificate', certificate(deps));
  return router;
};
