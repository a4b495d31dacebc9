/**
 * `GET …/:id/history` of the identity records (users, clients, roles, organizations) and of a
 * tenant's one-of-a-kind records (its sales configuration, at a fixed id): for the
 * record's readers (the resource's read permission on every record) with personal values, and for
 * auditors (`audit.events:read`) as the audit API shows them (`audit.personal:read` or withheld).
 */
import type { Context } from 'koa';
import { authorize, rowScope } from '../../access/policy.js';
import type { Principal } from '../../access/principal.js';
import { NotFoundError } from '../../errors.js';
import type { Disclosure } from '../../queries/audit.js';
import { aggregateHistory, type ReadDeps } from '../../queries/records.js';
import { disclosureOf } from '../audit.js';
import { principalOf } from '../authenticate.js';

/** What `principal` sees of a history: 403 unless they read the resource or audit the events. */
const historyDisclosure = (principal: Principal, readPermission: string): Disclosure => {
  if (rowScope(principal, readPermission) === 'all') return 'personal';
  authorize(principal, 'audit.events:read');
  return disclosureOf(principal);
};

export type HistorySpec = {
  aggregateType: string; readPermission: string;
  /** Where the id is: a path parameter, or the record's fixed id (a tenant has one). */
  id: { param: string } | { fixed: string };
  /** The tenant whose stream holds the record, as `principal` may read it (404 when they may not). */
  tenantOf?: (principal: Principal, id: string) => string;
};

const emptyWhenMissing = (error: unknown): [] => {
  if (error instanceof NotFoundError) return [];
  throw error;
};

/** The handler answering `{ data: [history entries] }` of one identity record. */
export const historyRoute = (deps: ReadDeps, spec: HistorySpec) => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  const disclosure = historyDisclosure(principal, spec.readPermission);
  const id = 'fixed' in spec.id ? spec.id.fixed : ctx.params[spec.id.param]!;
  const tenantId = spec.tenantOf ? spec.tenantOf(principal, id) : principal.tenantId;
  const history = aggregateHistory(deps, spec.aggregateType, tenantId, id, disclosure);
  // A one-of-a-kind record is there from the start (its defaults): no events yet, not a 404.
  ctx.body = { data: await ('fixed' in spec.id ? history.catch(emptyWhenMissing) : history) };
};
