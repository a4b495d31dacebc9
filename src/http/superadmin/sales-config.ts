/**
 * `/api/superadmin/sales-config`: the tenant's sales configuration (tenant admins). `GET` answers
 * the configuration in effect (the defaults until configured) with the ETag of its revision; `PUT`
 * replaces it, `PATCH` changes some sections; both take `If-Match`, or `If-None-Match: *` for the first
 * write (the defaults have no ETag), and answer `{ id, revision, position }`.
 * `GET /history`: its events, who changed what and when.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { authorize } from '../../access/policy.js';
import { handleCommand } from '../../commands/handle.js';
import { salesConfigAggregate, salesConfigValidators, type SalesConfigCommand } from '../../commands/sales/config.js';
import { SALES_CONFIG_ID, SALES_CONFIG_TYPE } from '../../events/sales/config.js';
import { salesConfigOf } from '../../queries/sales/config.js';
import { principalOf } from '../authenticate.js';
import { answerWrite, commandContext, ifMatchOrNoneOf } from '../command-context.js';
import { historyRoute } from '../identity/history.js';
import type { RouteDeps } from '../records.js';

const PERMISSION = 'admin.salesConfig';

const bodyOf = (ctx: Context): unknown => (ctx.request as { body?: unknown }).body;

const read = (deps: RouteDeps) => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, `${PERMISSION}:read`);
  const { config, revision } = await salesConfigOf(deps, principal.tenantId);
  if (revision !== undefined) ctx.set('ETag', `"${revision}"`);
  ctx.body = config;
};

const write = (deps: RouteDeps, commandOf: (body: unknown) => SalesConfigCommand) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), `${PERMISSION}:update`);
  const command = commandOf(bodyOf(ctx));
  const request = { id: SALES_CONFIG_ID, command, context: commandContext(ctx, deps.clock), ifMatch: ifMatchOrNoneOf(ctx) };
  answerWrite(ctx, 200, await handleCommand(deps, salesConfigAggregate, request));
};

export const salesConfigRoutes = (deps: RouteDeps): Router => {
  const router = new Router();
  router.get('/', read(deps));
  router.get('/history', historyRoute(deps, { aggregateType: SALES_CONFIG_TYPE, readPermission: `${PERMISSION}:read`, id: { fixed: SALES_CONFIG_ID } }));
  router.put('/', write(deps, (body) => ({ type: 'ConfigureSales', config: salesConfigValidators.config(body) })));
  router.patch('/', write(deps, (body) => ({ type: 'ChangeSalesConfig', changes: salesConfigValidators.changes(body) })));
  return router;
};
