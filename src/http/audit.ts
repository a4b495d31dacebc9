/**
 * `/api/audit` (auditors: `audit.*:read`): the tamper-evidence check of the whole log and the
 * tenant's events by actor, record type, event type and time range, as pages or JSON lines.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { authorize, rowScope } from '../access/policy.js';
import type { Principal } from '../access/principal.js';
import type { ChainDb } from '../events/audit/chain.js';
import { verifyChain, type ChainReport } from '../events/audit/verify.js';
import { PLATFORM_TENANT } from '../events/log/stream-name.js';
import { InvalidInputError } from '../errors.js';
import { AUDIT_FILTERS, AUDIT_PARAMS, auditPage, exportAuditEvents, type Disclosure } from '../queries/audit.js';
import type { ReadDeps } from '../queries/records.js';
import type { CursorKey } from '../queries/cursor.js';
import { principalOf } from './authenticate.js';
import { queryOf } from './read-model.js';

export type AuditRouteDeps = ReadDeps & { chain: ChainDb; cursorKey: CursorKey };

/** The chain spans every tenant: a tenant's auditor learns where it breaks, not another tenant's stream or event ids. */
const redacted = (report: ChainReport, tenantId: string) => {
  const broken = report.broken;
  if (!broken || tenantId === PLATFORM_TENANT || broken.stream.startsWith(`${tenantId}/`)) return report;
  return { ...report, broken: { ...broken, stream: null, eventId: null, otherTenant: true } };
};

/** A verify reads the whole log: requests arriving while one runs share its answer. */
const verify = (deps: AuditRouteDeps) => {
  let running: Promise<ChainReport> | undefined;
  const once = () => (running ??= verifyChain(deps.store, deps.chain).finally(() => (running = undefined)));
  return async (ctx: Context) => {
    queryOf(ctx, []); // before walking the whole chain, not after
    const principal = principalOf(ctx.state);
    authorize(principal, 'audit.chain:read');
    ctx.body = redacted(await once(), principal.tenantId);
  };
};

/** Whether an auditor may see personal values (`audit.personal:read`) or only that they exist. */
export const disclosureOf = (principal: Principal): Disclosure => (rowScope(principal, 'audit.personal:read') === 'all' ? 'personal' : 'withheld');

/** The auditor's tenant, and what they may see. */
const auditor = (ctx: Context): { tenantId: string; disclosure: Disclosure } => {
  const principal = principalOf(ctx.state);
  authorize(principal, 'audit.events:read');
  return { tenantId: principal.tenantId, disclosure: disclosureOf(principal) };
};

const events = (deps: AuditRouteDeps) => async (ctx: Context) => {
  const { tenantId, disclosure } = auditor(ctx);
  ctx.body = await auditPage(deps, tenantId, queryOf(ctx, AUDIT_PARAMS), disclosure);
};

const exportEvents = (deps: AuditRouteDeps) => async (ctx: Context) => {
  const { tenantId, disclosure } = auditor(ctx);
  const { format, ...filters } = queryOf(ctx, [...AUDIT_FILTERS, 'format']);
  if (format !== 'jsonl') {
    throw new InvalidInputError('invalid_format', 'format must be jsonl', [{ pointer: '/query/format', message: 'jsonl' }]);
  }
  ctx.body = exportAuditEvents(deps, tenantId, filters, disclosure);
  ctx.attachment('audit-events.jsonl');
  ctx.type = 'application/x-ndjson; charset=utf-8';
};

/** The router of `/api/audit`. */
export const auditRoutes = (deps: AuditRouteDeps): Router => {
  const router = new Router();
  router.get('/verify', verify(deps));
  router.get('/events', events(deps));
  router.get('/events/export', exportEvents(deps));
  return router;
};
