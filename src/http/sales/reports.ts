/**
 * `/sales/reports/:name`: each report reads the `sales.reports` read model (and forecast vs target
 * the targets one too), after the `Consistency-Position` the request carries. Parameters are
 * checked by the query layer (422 `invalid_report_query`); a caller whose grant covers only their
 * own records sees only their own figures.
 */
import Router from '@koa/router';
import type Database from 'better-sqlite3';
import type { Context } from 'koa';
import { authorize, rowScope } from '../../access/policy.js';
import { ForbiddenError, NotFoundError } from '../../errors.js';
import { commitProbabilityOf } from '../../events/sales/config.js';
import { targetKind } from '../../events/sales/target.js';
import { REPORTS_PROJECTION } from '../../projections/sales/reports.js';
import { reportQueryOf, type ReportParam, type ReportQuery } from '../../queries/sales/report-query.js';
import { activityCounts, cycleLength, leadConversion, pipelineByStage, revenue, winRate } from '../../queries/sales/reports.js';
import { salesConfigOf } from '../../queries/sales/config.js';
import { forecastVsTarget } from '../../queries/sales/targets.js';
import type { Principal } from '../../access/principal.js';
import { principalOf } from '../authenticate.js';
import { awaitConsistency, queryOf } from '../read-model.js';
import type { RouteDeps } from '../records.js';

export type Report = {
  params: readonly ReportParam[]; reads: readonly string[]; run: (db: Database.Database, tenantId: string, query: ReportQuery) => unknown;
  /** Shows target records too: needs their read permission, and honours its scope. */
  showsTargets?: boolean;
};

const DEALS = ['from', 'to', 'interval', 'owner', 'pipeline', 'currency'] as const;
const FACTS = [REPORTS_PROJECTION];

export const REPORTS: Readonly<Record<string, Report>> = {
  'pipeline-by-stage': { params: ['from', 'to', 'owner', 'pipeline', 'currency'], reads: FACTS, run: pipelineByStage },
  'win-rate': { params: DEALS, reads: FACTS, run: winRate },
  'cycle-length': { params: DEALS, reads: FACTS, run: cycleLength },
  revenue: { params: DEALS, reads: FACTS, run: revenue },
  'lead-conversion': { params: ['from', 'to', 'interval', 'owner'], reads: FACTS, run: leadConversion },
  'activity-counts': { params: ['from', 'to', 'interval', 'owner'], reads: FACTS, run: activityCounts },
  'forecast-vs-target': { params: ['from', 'to', 'owner', 'currency'], reads: [REPORTS_PROJECTION, targetKind.type], run: forecastVsTarget, showsTargets: true },
};

const PERMISSION = 'sales.reports:read';

/** Refuses figures of anyone but the caller when their grant to read reports is limited to their own. */
export const assertOwnFigures = (principal: Principal, ownerIds: readonly string[]): void => {
  authorize(principal, PERMISSION);
  if (rowScope(principal, PERMISSION) === 'own' && ownerIds.some((id) => id !== principal.actorId)) {
    throw new ForbiddenError('forbidden', 'Only your own figures', { permission: PERMISSION });
  }
};

const TARGETS_PERMISSION = 'sales.targets:read';

/**
 * The report's query, limited to the caller's own figures when their grant is (a team's figures
 * are then left out: they are others' too), and to the targets they may read when it shows targets.
 */
const scopedQuery = (ctx: Context, report: Report): ReportQuery => {
  const principal = principalOf(ctx.state);
  const query = reportQueryOf(queryOf(ctx, report.params));
  assertOwnFigures(principal, query.ownerId === undefined ? [] : [query.ownerId]);
  if (report.showsTargets) authorize(principal, TARGETS_PERMISSION);
  const ownFigures = rowScope(principal, PERMISSION) === 'own';
  const ownTargets = report.showsTargets === true && rowScope(principal, TARGETS_PERMISSION) === 'own';
  return {
    ...query,
    ...(ownFigures ? { ownerId: principal.actorId, ownerOnly: true } : {}),
    ...(ownTargets ? { targetsOwnedBy: principal.actorId } : {}),
  };
};

const report = (deps: RouteDeps) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), PERMISSION);
  const name = ctx.params.name!;
  if (!Object.hasOwn(REPORTS, name)) throw new NotFoundError(`No report named ${name}`, { known: Object.keys(REPORTS) });
  const chosen = REPORTS[name]!;
  const { tenantId } = principalOf(ctx.state);
  const query = scopedQuery(ctx, chosen);
  const forecast = chosen.showsTargets ? { commitProbability: commitProbabilityOf((await salesConfigOf(deps, tenantId)).config) } : {};
  for (const projection of chosen.reads) await awaitConsistency(ctx, deps.readModel, projection);
  ctx.body = { report: name, ...(chosen.run(deps.readModel.db, tenantId, { ...query, ...forecast }) as object) };
};

export const reportRoutes = (deps: RouteDeps): Router => {
  const router = new Router();
  router.get('/:name', report(deps));
  return router;
};
