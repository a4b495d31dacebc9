/**
 * `/api/compliance/subjects`: GDPR erasure by crypto-shredding. `POST /:subjectId/erase` with a
 * reason (no personal data in it) destroys the subject's data key and records PersonalDataErased.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { authorize } from '../../access/policy.js';
import { eraseSubject } from '../../commands/compliance/subject.js';
import { validator } from '../../commands/validate.js';
import { NotFoundError } from '../../errors.js';
import { principalOf } from '../authenticate.js';
import { commandContext } from '../command-context.js';
import type { RouteDeps } from '../records.js';

const eraseBody = validator<{ reason: string }>({
  type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: { type: 'string', minLength: 3, maxLength: 500 } },
});

const SUBJECT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const erase = (deps: RouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'compliance.subjects:erase');
  const subjectId = ctx.params.subjectId!;
  if (!SUBJECT.test(subjectId)) throw new NotFoundError('No such data subject');
  const { reason } = eraseBody((ctx.request as { body?: unknown }).body);
  const outcome = await eraseSubject(deps, { subjectId, reason, context: commandContext(ctx, deps.clock) });
  ctx.body = {
    subjectId, erasedAt: outcome.erasedAt.toISOString(), alreadyErased: outcome.alreadyErased,
    revision: Number(outcome.revision), position: Number(outcome.position),
  };
};

export const subjectRoutes = (deps: RouteDeps): Router => {
  const router = new Router();
  router.post('/:subjectId/erase', erase(deps));
  return router;
};
