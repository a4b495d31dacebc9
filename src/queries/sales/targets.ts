/**
 * Target attainment and forecast, from the `sales.reports` facts: what the target's people (its
 * user, or its team's members) have achieved in its period, and what their open opportunities
 * expected to close in it may still add. Definitions in docs/sales.md (## Targets and forecast).
 */
import type Database from 'better-sqlite3';
import type { JsonObject } from '../../events/log/port.js';
import { commitProbabilityOf, DEFAULT_SALES_CONFIG } from '../../events/sales/config.js';
import type { Assignee, TargetMetric } from '../../events/sales/target.js';
import { targetKind } from '../../events/sales/target.js';
import { catalogueTables } from '../../projections/catalogue.js';
import { resolveTable } from '../../projections/registry.js';
import { ACTIVITY_FACTS, OPPORTUNITY_FACTS } from '../../projections/sales/reports.js';
import { factTable, where, type ReportQuery } from './report-query.js';

/** What attainment needs of a target (its fields as the record holds them). */
export type TargetFacts = {
  id: string; assignee: Assignee; period: string; periodStart: string; periodEnd: string;
  metric: TargetMetric; currency?: string; quota: number;
};

type Figures = { commit: number; bestCase: number; weighted: number };

const membersOf = (assignee: Assignee): string[] => (assignee.type === 'user' ? [assignee.id] : assignee.members);

const scope = (tenantId: string, target: TargetFacts) => {
  const members = membersOf(target.assignee);
  return [
    ['tenant_id = ?', tenantId] as const,
    ['archived = 0'] as const,
    [`owner_id IN (${members.map(() => '?').join(', ')})`, ...members] as const,
  ];
};

const currencyOf = (target: TargetFacts) => (target.metric === 'won_revenue' ? (['currency = ?', target.currency] as const) : undefined);

/** Won revenue (sum of amounts) or won deals (count) of the target's people in its period. */
const wonActual = (db: Database.Database, tenantId: string, target: TargetFacts): number => {
  const w = where(...scope(tenantId, target), currencyOf(target), ["outcome = 'won'"], ['closed_at >= ?', target.periodStart], ['closed_at < ?', target.periodEnd]);
  const figure = target.metric === 'won_revenue' ? 'coalesce(sum(amount), 0)' : 'count(*)';
  return db.prepare(`SELECT ${figure} FROM ${factTable(db, OPPORTUNITY_FACTS)} WHERE ${w.sql}`).pluck().get(...w.bindings) as number;
};

const completedActual = (db: Database.Database, tenantId: string, target: TargetFacts): number => {
  const w = where(...scope(tenantId, target), ["activity_status = 'completed'"], ['completed_at >= ?', target.periodStart], ['completed_at < ?', target.periodEnd]);
  return db.prepare(`SELECT count(*) FROM ${factTable(db, ACTIVITY_FACTS)} WHERE ${w.sql}`).pluck().get(...w.bindings) as number;
};

/** The open pipeline expected to close in the period: amounts for revenue, deals for a count. */
const openPipeline = (db: Database.Database, tenantId: string, target: TargetFacts, commitProbability: number): Figures => {
  const range = [['expected_close_date >= ?', target.periodStart], ['expected_close_date < ?', target.periodEnd]] as const;
  const w = where(...scope(tenantId, target), currencyOf(target), ["outcome = 'open'"], ...range);
  const revenue = target.metric === 'won_revenue';
  const figures = revenue
    ? 'coalesce(sum(amount), 0) AS bestCase, coalesce(sum(CASE WHEN probability >= ? THEN amount END), 0) AS "commit", coalesce(sum(weighted), 0) AS weighted'
    : 'count(*) AS bestCase, coalesce(sum(probability >= ?), 0) AS "commit", coalesce(sum(probability), 0) / 100.0 AS weighted';
  const row = db.prepare(`SELECT ${figures} FROM ${factTable(db, OPPORTUNITY_FACTS)} WHERE ${w.sql}`).get(commitProbability, ...w.bindings) as Figures;
  return { commit: row.commit, bestCase: row.bestCase, weighted: revenue ? row.weighted : Math.round(row.weighted * 100) / 100 };
};

const plus = (actual: number, open: Figures): Figures => ({
  commit: actual + open.commit, bestCase: actual + open.bestCase, weighted: Math.round((actual + open.weighted) * 100) / 100,
});

/**
 * A target's quota, actual, percent reached, open pipeline and forecast (null for activity targets:
 * no pipeline); an open deal counts in the commit from the tenant's `commitProbability` up.
 */
export const attainmentOf = (db: Database.Database, tenantId: string, target: TargetFacts, commitProbability: number) => {
  const { id, assignee, period, periodStart, periodEnd, metric, currency, quota } = target;
  const activities = metric === 'activities_completed';
  const actual = activities ? completedActual(db, tenantId, target) : wonActual(db, tenantId, target);
  const pipeline = activities ? null : openPipeline(db, tenantId, target, commitProbability);
  return {
    targetId: id, assignee, period, periodStart, periodEnd, metric, ...(currency === undefined ? {} : { currency }), quota,
    actual, percent: quota === 0 ? null : Math.round((actual / quota) * 1000) / 10,
    pipeline, forecast: pipeline && plus(actual, pipeline),
  };
};

/** A target record's fields as attainment reads them. */
export const targetFactsOf = (id: string, fields: JsonObject): TargetFacts => ({ id, ...(fields as unknown as Omit<TargetFacts, 'id'>) });

/**
 * Forecast vs target: the attainment of every active target whose period starts in the range,
 * of the owner (the user, or a member of the team) when one is given, in that currency when given.
 */
/** Whether a target counts for the query's owner: one they take part in, or (`ownerOnly`) one of theirs alone. */
const isOfOwner = (target: TargetFacts, query: ReportQuery): boolean => {
  const { ownerId } = query;
  if (ownerId === undefined) return true;
  const members = membersOf(target.assignee);
  return query.ownerOnly === true ? members.every((m) => m === ownerId) : members.includes(ownerId);
};

const DEFAULT_COMMIT = commitProbabilityOf(DEFAULT_SALES_CONFIG);

export const forecastVsTarget = (db: Database.Database, tenantId: string, query: ReportQuery) => {
  const table = `"${resolveTable(db, targetKind.type, catalogueTables(targetKind).records)}"`;
  const w = where(
    ['tenant_id = ?', tenantId], ["status = 'active'"],
    query.start === undefined ? undefined : ['period_start >= ?', query.start], query.end === undefined ? undefined : ['period_start < ?', query.end],
    query.currency === undefined ? undefined : ['currency = ?', query.currency],
    query.targetsOwnedBy === undefined ? undefined : ['owner_id = ?', query.targetsOwnedBy],
  );
  const rows = db.prepare(`SELECT id, fields FROM ${table} WHERE ${w.sql} ORDER BY period_start, id`).all(...w.bindings) as Array<{ id: string; fields: string }>;
  const targets = rows.map((r) => targetFactsOf(r.id, JSON.parse(r.fields) as JsonObject));
  return { data: targets.filter((t) => isOfOwner(t, query)).map((t) => attainmentOf(db, tenantId, t, query.commitProbability ?? DEFAULT_COMMIT)) };
};
