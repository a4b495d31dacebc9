/**
 * `/sales/contacts`: the generic record routes over the contact's decider (the email unique per
 * tenant among active contacts, see `../uniqueness.ts`), plus
 * `POST /:id/merge { loserId }` (If-Match on the survivor optional) → `{ id, revision, position }`.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { contactAggregate, type ContactState } from '../../commands/sales/contact.js';
import { mergeContacts } from '../../commands/sales/contact-merge.js';
import { validator } from '../../commands/validate.js';
import { contactKind } from '../../events/sales/contact.js';
import { answerWrite } from '../command-context.js';
import { recordRequest, type RecordResource, type RouteDeps } from '../records.js';

export const mergeBody = validator<{ loserId: string }>({
  type: 'object', additionalProperties: false, required: ['loserId'],
  properties: { loserId: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$' } },
});

const merge = (deps: RouteDeps) => async (ctx: Context) => {
  const { loserId } = mergeBody((ctx.request as { body?: unknown }).body ?? {});
  const request = recordRequest<ContactState>(deps, ctx, 'sales.contacts:update');
  answerWrite(ctx, 200, await mergeContacts(deps, { request, loserId }));
};

export const contactsResource: RecordResource<ContactState> = {
  kind: contactKind,
  aggregate: contactAggregate,
  permission: 'sales.contacts',
  path: '/sales/contacts',
  routes: (router: Router, deps: RouteDeps) => void router.post('/:id/merge', merge(deps)),
};
