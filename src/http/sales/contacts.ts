/**
 * `/sales/contacts`: the generic record routes over the contact's decider (the email unique per
 * tenant among active contacts, see `../uniqueness.ts`), plus
 * `POST /:id/merge { loserId }` (If-Match on the survivor optional) → `{ id, revision, position }`,
 * `POST /:id/accounts { accountId, roles, primary? }`, `DELETE /:id/accounts/:accountId`, and
 * `GET /sales/accounts/:id/contacts` (mounted by the accounts resource).
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { authorize, rowScope } from '../../access/policy.js';
import type { LinkCheckedRecordCommand } from '../../commands/record-links.js';
import { contactAggregate, type ContactState } from '../../commands/sales/contact.js';
import { withCheckedAccount } from '../../commands/sales/contact-accounts.js';
import { mergeContacts } from '../../commands/sales/contact-merge.js';
import { validator } from '../../commands/validate.js';
import { streamName } from '../../events/log/stream-name.js';
import { accountKind } from '../../events/sales/account.js';
import { contactRolesOf } from '../../events/sales/config.js';
import { contactKind } from '../../events/sales/contact.js';
import { NotFoundError } from '../../errors.js';
import { CONTACT_LINKS_PROJECTION } from '../../projections/sales/contacts.js';
import { accountContacts } from '../../queries/sales/contacts.js';
import { contactLinksIn } from '../../queries/sales/contact-merge.js';
import { salesConfigOf } from '../../queries/sales/config.js';
import type { Principal } from '../../access/principal.js';
import { principalOf } from '../authenticate.js';
import { answerWrite } from '../command-context.js';
import { awaitConsistency, queryOf } from '../read-model.js';
import { shownRecord } from '../record-reads.js';
import { ownershipGuard, recordRequest, sendCommand, type RecordResource, type RouteDeps } from '../records.js';

const ID = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$' };
export const linkAccountBody = validator<{ accountId: string; roles: string[]; primary?: boolean }>({
  type: 'object', additionalProperties: false, required: ['accountId', 'roles'],
  properties: {
    accountId: ID,
    roles: { type: 'array', maxItems: 50, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 50 } },
    primary: { type: 'boolean' },
  },
});

const UPDATE = 'sales.contacts:update';

const link = (deps: RouteDeps) => async (ctx: Context) => {
  const { accountId, roles, primary = false } = linkAccountBody((ctx.request as { body?: unknown }).body ?? {});
  const { tenantId } = principalOf(ctx.state);
  const knownRoles = contactRolesOf((await salesConfigOf(deps, tenantId)).config).map((r) => r.id);
  const command = await withCheckedAccount(deps, tenantId, { accountId, roles, primary, knownRoles });
  return sendCommand(deps, contactAggregate, UPDATE, ctx, command);
};

const unlink = (deps: RouteDeps) => (ctx: Context) =>
  sendCommand(deps, contactAggregate, UPDATE, ctx, { type: 'UnlinkContactFromAccount', accountId: ctx.params.accountId! });

/** 404 unless the account is the tenant's and, to a reader of their own accounts, theirs: absent to them, as its `GET /:id` answers. */
const assertAccountShown = async (deps: RouteDeps, principal: Principal, accountId: string): Promise<void> => {
  const shown = rowScope(principal, 'sales.accounts:read') === 'own'
    ? await shownRecord(deps, principal, accountKind, 'sales.accounts', accountId).then(() => true, (error: unknown) => {
      if (error instanceof NotFoundError) return false;
      throw error;
    })
    : (await deps.store.readStream(streamName(principal.tenantId, accountKind.type, accountId), { maxCount: 1 })).length > 0;
  if (!shown) throw new NotFoundError('No such account', { accountId });
};

/** `GET /sales/accounts/:id/contacts`: 404 when the account is not shown to the caller; own-scoped readers see their contacts only. */
export const accountContactsRoute = (deps: RouteDeps) => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'sales.contacts:read');
  const accountId = ctx.params.id!;
  await assertAccountShown(deps, principal, accountId);
  for (const projection of [contactKind.type, CONTACT_LINKS_PROJECTION]) await awaitConsistency(ctx, deps.readModel, projection);
  const own = rowScope(principal, 'sales.contacts:read') === 'own' ? principal.actorId : undefined;
  ctx.body = accountContacts({ db: deps.readModel.db, cursorKey: deps.cursorKey }, principal.tenantId, accountId, own, queryOf(ctx, ['limit', 'cursor']));
};

export const mergeBody = validator<{ loserId: string }>({
  type: 'object', additionalProperties: false, required: ['loserId'],
  properties: { loserId: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$' } },
});

const merge = (deps: RouteDeps) => async (ctx: Context) => {
  const { loserId } = mergeBody((ctx.request as { body?: unknown }).body ?? {});
  const request = recordRequest<ContactState>(deps, ctx, 'sales.contacts:update');
  // The loser is changed and archived: both rights on it.
  const archiving = ownershipGuard(ctx, 'sales.contacts:archive');
  const loserGuard = (state: ContactState): void => {
    request.guard?.(state);
    archiving(state);
  };
  const links = contactLinksIn(deps.readModel);
  answerWrite(ctx, 200, await mergeContacts(deps, { request, loserId, loserGuard, links, ...(deps.uniquenessLock ? { lock: deps.uniquenessLock } : {}) }));
};

export const contactsResource: RecordResource<ContactState, LinkCheckedRecordCommand> = {
  kind: contactKind,
  links: { accountId: accountKind },
  aggregate: contactAggregate,
  permission: 'sales.contacts',
  path: '/sales/contacts',
  routes: (router: Router, deps: RouteDeps) => {
    router.post('/:id/merge', merge(deps));
    router.post('/:id/accounts', link(deps));
    router.delete('/:id/accounts/:accountId', unlink(deps));
  },
};
