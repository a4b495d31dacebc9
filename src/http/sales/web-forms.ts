/**
 * `/api/admin/forms`: a tenant admin's web forms for public lead capture.
 * `POST / { name }` → 201 `{ formKey }` (the key to embed in the tenant's web page);
 * `GET /` → a page of `{ formKey, name, status, ownerId }` by form id (`limit`, `cursor`);
 * `GET /:formKey` → `{ formKey, name, status, ownerId }`;
 * `POST /:formKey/disable` → 200 (the public endpoint answers 404 for it from then on);
 * `POST /:formKey/enable` → 200 (it takes submissions again).
 * A grant scoped to the actor's own records (`own`) reaches only the forms they own (`ownerId`, their
 * creator), as for records: the list holds only theirs, another's is a 404 to read and a 403 to change.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { authorize, rowScope } from '../../access/policy.js';
import { recordIdFor } from '../../commands/event-ids.js';
import { handleCommand } from '../../commands/handle.js';
import { formKeyParts, webFormAggregate } from '../../commands/sales/web-form.js';
import { validator } from '../../commands/validate.js';
import { NotFoundError } from '../../errors.js';
import { NAME } from '../../events/catalogue.js';
import { principalOf } from '../authenticate.js';
import { commandContext } from '../command-context.js';
import { emptyBody, ownershipGuard, type RouteDeps } from '../records.js';
import { getWebForm, listWebForms, type FormReader } from '../../queries/sales/web-forms.js';
import { WEB_FORMS_PROJECTION } from '../../projections/sales/web-forms.js';
import { awaitConsistency, queryOf } from '../read-model.js';

export const createBody = validator<{ name: string }>({
  type: 'object', additionalProperties: false, required: ['name'], properties: { name: NAME },
});

const create = (deps: RouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'admin.forms:create');
  const { name } = createBody((ctx.request as { body?: unknown }).body ?? {});
  const context = commandContext(ctx, deps.clock);
  const id = recordIdFor(context.commandId);
  const result = await handleCommand(deps, webFormAggregate, { id, command: { type: 'CreateWebForm', name, ownerId: context.actorId }, context });
  ctx.status = 201;
  ctx.set('Location', `/api/admin/forms/${context.tenantId}.${id}`);
  ctx.body = { formKey: `${context.tenantId}.${id}`, position: Number(result.position) };
};

/** The id of the caller's tenant's form the path names; any other key is a 404. */
const formIdOf = (ctx: Context): string => {
  const { tenantId, formId } = formKeyParts(ctx.params.formKey!);
  if (tenantId !== principalOf(ctx.state).tenantId) throw new NotFoundError('No such form');
  return formId;
};

/** Whose forms the caller may read: the tenant's, or only their own when the policy says so. */
const readerOf = (ctx: Context): FormReader => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'admin.forms:read');
  const own = rowScope(principal, 'admin.forms:read') === 'own';
  return { tenantId: principal.tenantId, ...(own ? { ownerOnly: principal.actorId } : {}) };
};

const list = (deps: RouteDeps) => async (ctx: Context) => {
  const reader = readerOf(ctx);
  const query = queryOf(ctx, ['limit', 'cursor']);
  await awaitConsistency(ctx, deps.readModel, WEB_FORMS_PROJECTION);
  ctx.body = await listWebForms({ store: deps.store, db: deps.readModel.db, cursorKey: deps.cursorKey }, reader, query);
};

const read = (deps: RouteDeps) => async (ctx: Context) => {
  const reader = readerOf(ctx);
  ctx.body = await getWebForm(deps, reader, formIdOf(ctx));
};

/** Disables or enables the form, guarded by the policy on its owner; the same again appends nothing (and answers the same). */
const statusChange = (deps: RouteDeps, type: 'DisableWebForm' | 'EnableWebForm', status: 'enabled' | 'disabled') => async (ctx: Context) => {
  authorize(principalOf(ctx.state), 'admin.forms:update');
  emptyBody((ctx.request as { body?: unknown }).body ?? {});
  const context = commandContext(ctx, deps.clock);
  const id = formIdOf(ctx);
  const result = await handleCommand(deps, webFormAggregate, { id, command: { type }, context, guard: ownershipGuard(ctx, 'admin.forms:update') });
  ctx.body = { formKey: ctx.params.formKey, status, position: Number(result.position) };
};

export const webFormAdminRoutes = (deps: RouteDeps): Router => {
  const router = new Router();
  router.get('/', list(deps));
  router.post('/', create(deps));
  router.get('/:formKey', read(deps));
  router.post('/:formKey/disable', statusChange(deps, 'DisableWebForm', 'disabled'));
  router.post('/:formKey/enable', statusChange(deps, 'EnableWebForm', 'enabled'));
  return router;
};
