/**
 * The sales reports, each a grouping of the `sales.reports` fact rows of one tenant (archived
 * records left out). Amounts are integer minor units and are only ever summed within one
 * currency. See docs/sales.md (## Reports) for the definition of every figure.
 */
import type Database from 'better-sqlite3';
import type { Money } from '../../events/sales/money.js';
import { ACTIVITY_FACTS, LEAD_FACTS, OPPORTUNITY_FACTS } from '../../projections/sales/reports.js';
import { factTable, inRange, periodKeySql, ratio, where, type ReportQuery } from './report-query.js';

type Row = Record<string, unknown>;

const money = (amount: unknown, currency: unknown): Money | null =>
  typeof currency === 'string' ? { amount: Number(amount ?? 0), currency } : null;

/** Conditions on opportunity facts every opportunity report shares: tenant, not archived, owner, pipeline, currency. */
const opportunityScope = (tenantId: string, query: ReportQuery) => [
  ['tenant_id = ?', tenantId] as const,
  ['archived = 0'] as const,
  query.ownerId === undefined ? undefined : (['owner_id = ?', query.ownerId] as const),
  query.pipeline === undefined ? undefined : (['pipeline = ?', query.pipeline] as const),
  query.currency === undefined ? undefined : (['currency = ?', query.currency] as const),
];

const closedIn = (tenantId: string, query: ReportQuery) =>
  where(...opportunityScope(tenantId, query), ["outcome IN ('won', 'lost')"], ...inRange('closed_at', query));

/**
 * Open opportunities by pipeline, stage, probability and currency (expected close date in the
 * range, when one is given). A deal keeps the probability its stage had when it entered it, so
 * after a configuration change a stage shows a row per probability until its deals move.
 */
export const pipelineByStage = (db: Database.Database, tenantId: string, query: ReportQuery) => {
  const w = where(...opportunityScope(tenantId, query), ["outcome = 'open'"], ...inRange('expected_close_date', query));
  const rows = db.prepare(
    `SELECT pipeline, stage, currency, probability, count(*) AS deals, sum(amount) AS amount, sum(weighted) AS weighted
     FROM ${factTable(db, OPPORTUNITY_FACTS)} WHERE ${w.sql}
     GROUP BY pipeline, stage, probability, currency ORDER BY pipeline, probability, stage, currency`,
  ).all(...w.bindings) as Row[];
  return {
    data: rows.map((r) => ({
      pipeline: r.pipeline, stage: r.stage, probability: r.probability, currency: r.currency, deals: r.deals,
      amount: money(r.amount, r.currency), weighted: money(r.weighted, r.currency),
    })),
  };
};

/** Won and lost opportunities per period they closed in; win rate = won / (won + lost). */
export const winRate = (db: Database.Database, tenantId: string, query: ReportQuery) => {
  const w = closedIn(tenantId, query);
  const rows = db.prepare(
    `SELECT ${periodKeySql('closed_at', query.interval)} AS period, sum(outcome = 'won') AS won, sum(outcome = 'lost') AS lost
     FROM ${factTable(db, OPPORTUNITY_FACTS)} WHERE ${w.sql} GROUP BY period ORDER BY period`,
  ).all(...w.bindings) as Array<{ period: string; won: number; lost: number }>;
  const shaped = ({ won, lost }: { won: number; lost: number }) => ({ won, lost, winRate: ratio(won, won + lost) });
  const total = rows.reduce((sum, r) => ({ won: sum.won + r.won, lost: sum.lost + r.lost }), { won: 0, lost: 0 });
  return { data: rows.map((r) => ({ period: r.period, ...shaped(r) })), total: shaped(total) };
};

type Cycle = { deals: number; days: number };
const averaged = ({ deals, days }: Cycle) => ({ deals, averageDays: deals === 0 ? null : Math.round((days / deals) * 10) / 10 });
const cycles = (rows: Row[], outcome: string): Cycle => rows
  .filter((r) => outcome === 'all' || r.outcome === outcome)
  .reduce<Cycle>((sum, r) => ({ deals: sum.deals + Number(r.deals), days: sum.days + Number(r.days) }), { deals: 0, days: 0 });
const byOutcome = (rows: Row[]) => ({ won: averaged(cycles(rows, 'won')), lost: averaged(cycles(rows, 'lost')), all: averaged(cycles(rows, 'all')) });

/** Average days from creation to close, per period closed in, for won, lost and all closed opportunities. */
export const cycleLength = (db: Database.Database, tenantId: string, query: ReportQuery) => {
  const w = closedIn(tenantId, query);
  const rows = db.prepare(
    `SELECT ${periodKeySql('closed_at', query.interval)} AS period, outcome, count(*) AS deals,
       sum(julianday(closed_at) - julianday(created_at)) AS days
     FROM ${factTable(db, OPPORTUNITY_FACTS)} WHERE ${w.sql} GROUP BY period, outcome ORDER BY period`,
  ).all(...w.bindings) as Row[];
  const periods = [...new Set(rows.map((r) => r.period as string))];
  return { data: periods.map((period) => ({ period, ...byOutcome(rows.filter((r) => r.period === period)) })), total: byOutcome(rows) };
};

/** Won revenue per period won in, owner and currency; totals per currency. */
export const revenue = (db: Database.Database, tenantId: string, query: ReportQuery) => {
  const w = where(...opportunityScope(tenantId, query), ["outcome = 'won'"], ['currency IS NOT NULL'], ...inRange('closed_at', query));
  const rows = db.prepare(
    `SELECT ${periodKeySql('closed_at', query.interval)} AS period, owner_id, currency, count(*) AS deals, sum(amount) AS amount
     FROM ${factTable(db, OPPORTUNITY_FACTS)} WHERE ${w.sql}
     GROUP BY period, owner_id, currency ORDER BY period, owner_id, currency`,
  ).all(...w.bindings) as Row[];
  const totals = new Map<string, { deals: number; amount: number }>();
  for (const r of rows) {
    const total = totals.get(r.currency as string) ?? { deals: 0, amount: 0 };
    totals.set(r.currency as string, { deals: total.deals + Number(r.deals), amount: total.amount + Number(r.amount) });
  }
  return {
    data: rows.map((r) => ({ period: r.period, ownerId: r.owner_id, deals: r.deals, amount: money(r.amount, r.currency) })),
    total: [...totals].sort(([a], [b]) => a.localeCompare(b)).map(([currency, t]) => ({ deals: t.deals, amount: { amount: t.amount, currency } })),
  };
};

/** Leads created per period, and how many of them have converted (at any time since). */
export const leadConversion = (db: Database.Database, tenantId: string, query: ReportQuery) => {
  const owner = query.ownerId === undefined ? undefined : (['owner_id = ?', query.ownerId] as const);
  const w = where(['tenant_id = ?', tenantId], ['archived = 0'], owner, ...inRange('created_at', query));
  const rows = db.prepare(
    `SELECT ${periodKeySql('created_at', query.interval)} AS period, count(*) AS created, count(converted_at) AS converted
     FROM ${factTable(db, LEAD_FACTS)} WHERE ${w.sql} GROUP BY period ORDER BY period`,
  ).all(...w.bindings) as Array<{ period: string; created: number; converted: number }>;
  const shaped = ({ created, converted }: { created: number; converted: number }) => ({ created, converted, conversionRate: ratio(converted, created) });
  const total = rows.reduce((sum, r) => ({ created: sum.created + r.created, converted: sum.converted + r.converted }), { created: 0, converted: 0 });
  return { data: rows.map((r) => ({ period: r.period, ...shaped(r) })), total: shaped(total) };
};

/** Activities created and completed per period, owner and kind (each counted in the period it happened in). */
export const activityCounts = (db: Database.Database, tenantId: string, query: ReportQuery) => {
  const owner = query.ownerId === undefined ? undefined : (['owner_id = ?', query.ownerId] as const);
  const scope = [['tenant_id = ?', tenantId] as const, ['archived = 0'] as const, owner];
  const created = where(...scope, ...inRange('created_at', query));
  const completed = where(...scope, ["activity_status = 'completed'"], ...inRange('completed_at', query));
  const table = factTable(db, ACTIVITY_FACTS);
  const rows = db.prepare(
    `SELECT period, owner_id, kind, sum(created) AS created, sum(completed) AS completed FROM (
       SELECT ${periodKeySql('created_at', query.interval)} AS period, owner_id, kind, 1 AS created, 0 AS completed FROM ${table} WHERE ${created.sql}
       UNION ALL
       SELECT ${periodKeySql('completed_at', query.interval)}, owner_id, kind, 0, 1 FROM ${table} WHERE ${completed.sql})
     GROUP BY period, owner_id, kind ORDER BY period, owner_id, kind`,
  ).all(...created.bindings, ...completed.bindings) as Row[];
  return { data: rows.map((r) => ({ period: r.period, ownerId: r.owner_id, kind: r.kind, created: r.created, completed: r.completed })) };
};
