import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { opportunityAggregate, type OpportunityCommand } from '../../../src/commands/sales/opportunity.js';
import { targetAggregate } from '../../../src/commands/sales/target.js';
import { handleCommand, type Aggregate } from '../../../src/commands/handle.js';
import type { DomainEvent } from '../../../src/commands/decider.js';
import type { JsonObject } from '../../../src/events/log/port.js';
import { streamName } from '../../../src/events/log/stream-name.js';
import { DEFAULT_SALES_CONFIG as config } from '../../../src/events/sales/config.js';
import type { ProjectionRunner } from '../../../src/projections/runner.js';
import { reportsProjector } from '../../../src/projections/sales/reports.js';
import { targetsProjector } from '../../../src/projections/sales/targets.js';
import { reportQueryOf } from '../../../src/queries/sales/report-query.js';
import { activityCounts, cycleLength, leadConversion, pipelineByStage, revenue, winRate } from '../../../src/queries/sales/reports.js';
import { forecastVsTarget } from '../../../src/queries/sales/targets.js';
import { contextOf } from '../../projections/deal.js';
import { start, useProjectionEnv } from '../../projections/support.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const usd = (amount: number) => ({ amount, currency: 'USD' });
const at = (date: string) => `${date}T10:00:00.000Z`;

describe('sales reports: the sales.reports projection and its queries', () => {
  const env = useProjectionEnv('crm-reports-');
  let runner: ProjectionRunner;
  let position = 0n;
  const deps = () => ({ store: env.store, keyStore: env.keyStore });

  const send = async <C, S>(aggregate: Aggregate<C, DomainEvent, S>, tenant: string, id: string, command: C, date: string, actor = 'admin') => {
    const result = await handleCommand(deps(), aggregate, { id, command, context: { ...contextOf(tenant, at(date)), actorId: actor } });
    position = result.position;
  };
  const deal = (tenant: string, id: string, owner: string, fields: JsonObject, date: string) =>
    send(opportunityAggregate, tenant, id, { type: 'CreateRecord', fields: { name: id, ...fields }, ownerId: owner, tags: [], config }, date);
  const act = (tenant: string, id: string, command: OpportunityCommand, date: string) => send(opportunityAggregate, tenant, id, command, date);
  const raw = async (tenant: string, type: string, id: string, events: Array<[string, JsonObject, string]>) => {
    const appended = events.map(([eventType, data, date]) => ({
      id: randomUUID(), type: eventType, schemaVersion: 1, data, metadata: { tenantId: tenant, occurredAt: at(date) },
    }));
    position = (await env.store.append(streamName(tenant, type, id), appended)).position;
  };
  const target = (id: string, fields: JsonObject) =>
    send(targetAggregate, 'acme', id, { type: 'CreateRecord', fields: { period: '2026-Q1', ...fields }, ownerId: 'admin', tags: [], config }, '2026-01-01');
  const query = (raw: object = {}) => reportQueryOf(raw);
  const db = () => env.readDb.db;

  beforeEach(async () => {
    runner = await start(env, { projectors: [reportsProjector, targetsProjector], dropAfterMs: 10 });
    await deal('acme', 'o1', 'u1', { amount: eur(100_000), stage: 'proposal', expectedCloseDate: '2026-03-15' }, '2026-01-10');
    await act('acme', 'o1', { type: 'WinOpportunity' }, '2026-02-09');
    await deal('acme', 'o2', 'u1', { amount: eur(50_000) }, '2026-01-20');
    await act('acme', 'o2', { type: 'LoseOpportunity', reason: 'price', acceptedQuote: null }, '2026-03-01');
    await deal('acme', 'o3', 'u2', { amount: usd(20_000), stage: 'negotiation', expectedCloseDate: '2026-03-31' }, '2026-02-01');
    await deal('acme', 'o4', 'u1', { amount: eur(30_000), stage: 'qualification', expectedCloseDate: '2026-03-20' }, '2026-02-05');
    await act('acme', 'o4', { type: 'UpdateRecord', changes: { stage: 'proposal' }, config }, '2026-02-06');
    await deal('acme', 'o5', 'u9', { amount: eur(40_000), stage: 'negotiation', expectedCloseDate: '2026-02-28' }, '2026-02-10');
    await act('acme', 'o5', { type: 'AssignOwner', ownerId: 'u1', config }, '2026-02-11');
    await deal('acme', 'o6', 'u2', { amount: eur(70_000) }, '2026-01-05');
    await act('acme', 'o6', { type: 'WinOpportunity' }, '2026-03-05');
    await deal('acme', 'o7', 'u1', { amount: eur(10_000), stage: 'negotiation', expectedCloseDate: '2026-03-01' }, '2026-02-01');
    await act('acme', 'o7', { type: 'ArchiveRecord', reason: null, config }, '2026-02-02');
    await deal('acme', 'o8', 'u1', { amount: usd(5_000) }, '2026-03-01');
    await act('acme', 'o8', { type: 'WinOpportunity' }, '2026-03-10');
    await deal('acme', 'o9', 'u1', { amount: eur(1_000) }, '2026-01-02');
    await act('acme', 'o9', { type: 'WinOpportunity' }, '2026-01-03');
    await act('acme', 'o9', { type: 'ReopenOpportunity', stage: 'proposal', config }, '2026-01-04');
    await act('acme', 'o9', { type: 'UpdateRecord', changes: { expectedCloseDate: '2026-06-30' }, config }, '2026-01-04');
    await deal('globex', 'g1', 'u1', { amount: eur(999_000) }, '2026-01-10');
    await act('globex', 'g1', { type: 'WinOpportunity' }, '2026-02-10');
    await raw('acme', 'sales.lead', 'l1', [['LeadCreated', { fields: { source: 'web' }, ownerId: 'u1', tags: [] }, '2026-01-15'], ['LeadConverted', { contactId: 'c1', accountId: null, opportunityId: null }, '2026-02-01']]);
    await raw('acme', 'sales.lead', 'l2', [['LeadCreated', { fields: {}, ownerId: 'u2', tags: [] }, '2026-01-20']]);
    await raw('acme', 'sales.lead', 'l3', [['LeadCreated', { fields: {}, ownerId: 'u1', tags: [] }, '2026-02-10'], ['LeadConverted', { contactId: 'c3', accountId: null, opportunityId: null }, '2026-02-11']]);
    await raw('globex', 'sales.lead', 'l1', [['LeadCreated', { fields: {}, ownerId: 'u1', tags: [] }, '2026-01-15']]);
    await raw('acme', 'sales.activity', 'a1', [['ActivityCreated', { fields: { kind: 'call' }, ownerId: 'u1', tags: [] }, '2026-02-01'], ['ActivityCompleted', { subjectId: null, completedAt: '2026-02-02T09:00:00+01:00', outcome: null }, '2026-02-03']]);
    await raw('acme', 'sales.activity', 'a2', [['ActivityCreated', { fields: { kind: 'task' }, ownerId: 'u1', tags: [] }, '2026-02-03']]);
    await raw('acme', 'sales.activity', 'a3', [['ActivityCreated', { fields: { kind: 'meeting' }, ownerId: 'u2', tags: [] }, '2026-03-01'], ['ActivityCompleted', { subjectId: null, completedAt: '2026-03-02T10:00:00.000Z', outcome: null }, '2026-03-02']]);
    await raw('acme', 'sales.activity', 'a4', [['ActivityCreated', { fields: { kind: 'call' }, ownerId: 'u1', tags: [] }, '2026-02-01'], ['ActivityCancelled', { reason: 'no', cancelledAt: at('2026-02-02') }, '2026-02-02']]);
    await target('t1', { assignee: { type: 'user', id: 'u1' }, metric: 'won_revenue', currency: 'EUR', quota: 200_000 });
    await target('t2', { assignee: { type: 'team', id: 'all', members: ['u1', 'u2'] }, metric: 'won_deals', quota: 4 });
    await target('t3', { assignee: { type: 'user', id: 'u1' }, metric: 'activities_completed', quota: 10 });
    await target('t4', { assignee: { type: 'user', id: 'u2' }, metric: 'won_revenue', quota: 0, period: '2026-Q2' });
    await runner.waitForPosition(position, 5_000);
  });

  const everything = () => ({
    pipeline: pipelineByStage(db(), 'acme', query()),
    winRate: winRate(db(), 'acme', query({ interval: 'quarter' })),
    cycle: cycleLength(db(), 'acme', query({ interval: 'year' })),
    revenue: revenue(db(), 'acme', query()),
    leads: leadConversion(db(), 'acme', query()),
    activities: activityCounts(db(), 'acme', query()),
    forecast: forecastVsTarget(db(), 'acme', query({ from: '2026-Q1', to: '2026-Q1' })),
  });

  it('pipeline by stage: open, unarchived opportunities per pipeline, stage and currency, never mixing currencies', () => {
    expect(pipelineByStage(db(), 'acme', query()).data).to.deep.equal([
      { pipeline: 'default', stage: 'proposal', probability: 50, currency: 'EUR', deals: 2, amount: eur(31_000), weighted: eur(15_500) },
      { pipeline: 'default', stage: 'negotiation', probability: 80, currency: 'EUR', deals: 1, amount: eur(40_000), weighted: eur(32_000) },
      { pipeline: 'default', stage: 'negotiation', probability: 80, currency: 'USD', deals: 1, amount: usd(20_000), weighted: usd(16_000) },
    ]);
    expect(pipelineByStage(db(), 'acme', query({ owner: 'u1', from: '2026-03', to: '2026-03' })).data).to.deep.equal([
      { pipeline: 'default', stage: 'proposal', probability: 50, currency: 'EUR', deals: 1, amount: eur(30_000), weighted: eur(15_000) },
    ]);
  });

  it('pipeline by stage: a row per probability when a stage\'s probability changed while deals sat in it', async () => {
    const changed = { ...config, pipelines: config.pipelines.map((p) => ({ ...p, stages: p.stages.map((st) => (st.id === 'proposal' ? { ...st, probability: 70 } : st)) })) };
    await send(opportunityAggregate, 'acme', 'o10', { type: 'CreateRecord', fields: { name: 'o10', amount: eur(10_000), stage: 'proposal' }, ownerId: 'u3', tags: [], config: changed }, '2026-03-02');
    await runner.waitForPosition(position, 5_000);
    const proposal = pipelineByStage(db(), 'acme', query()).data.filter((r) => r.stage === 'proposal' && r.currency === 'EUR');
    expect(proposal.map((r) => [r.probability, r.deals, r.weighted])).to.deep.equal([[50, 2, eur(15_500)], [70, 1, eur(7_000)]]);
  });

  it('win rate: won / (won + lost) per period closed in', () => {
    expect(winRate(db(), 'acme', query({ interval: 'quarter' }))).to.deep.equal({
      data: [{ period: '2026-Q1', won: 3, lost: 1, winRate: 0.75 }], total: { won: 3, lost: 1, winRate: 0.75 },
    });
    expect(winRate(db(), 'acme', query({ from: '2026-03', to: '2026-03', currency: 'EUR' })).data).to.deep.equal([
      { period: '2026-03', won: 1, lost: 1, winRate: 0.5 },
    ]);
  });

  it('cycle length: average days from creation to close, won, lost and all', () => {
    const averages = { won: { deals: 3, averageDays: 32.7 }, lost: { deals: 1, averageDays: 40 }, all: { deals: 4, averageDays: 34.5 } };
    expect(cycleLength(db(), 'acme', query({ interval: 'year' }))).to.deep.equal({ data: [{ period: '2026', ...averages }], total: averages });
  });

  it('revenue: won amounts per period, owner and currency, with totals per currency', () => {
    expect(revenue(db(), 'acme', query())).to.deep.equal({
      data: [
        { period: '2026-02', ownerId: 'u1', deals: 1, amount: eur(100_000) },
        { period: '2026-03', ownerId: 'u1', deals: 1, amount: usd(5_000) },
        { period: '2026-03', ownerId: 'u2', deals: 1, amount: eur(70_000) },
      ],
      total: [{ deals: 2, amount: eur(170_000) }, { deals: 1, amount: usd(5_000) }],
    });
    expect(revenue(db(), 'globex', query()).total).to.deep.equal([{ deals: 1, amount: eur(999_000) }]);
  });

  it('lead conversion: leads created per period and how many of them converted', () => {
    expect(leadConversion(db(), 'acme', query())).to.deep.equal({
      data: [{ period: '2026-01', created: 2, converted: 1, conversionRate: 0.5 }, { period: '2026-02', created: 1, converted: 1, conversionRate: 1 }],
      total: { created: 3, converted: 2, conversionRate: 0.6667 },
    });
  });

  it('activity counts: created and completed per period, owner and kind (UTC)', () => {
    expect(activityCounts(db(), 'acme', query()).data).to.deep.equal([
      { period: '2026-02', ownerId: 'u1', kind: 'call', created: 2, completed: 1 },
      { period: '2026-02', ownerId: 'u1', kind: 'task', created: 1, completed: 0 },
      { period: '2026-03', ownerId: 'u2', kind: 'meeting', created: 1, completed: 1 },
    ]);
  });

  it('forecast vs target: actual, percent, open pipeline (commit from 75 %) and forecast of each target', () => {
    const [t1, t2, t3] = forecastVsTarget(db(), 'acme', query({ from: '2026-Q1', to: '2026-Q1' })).data;
    expect(t1).to.deep.include({ targetId: 't1', metric: 'won_revenue', currency: 'EUR', quota: 200_000, actual: 100_000, percent: 50 });
    expect(t1).to.deep.include({ pipeline: { commit: 40_000, bestCase: 70_000, weighted: 47_000 }, forecast: { commit: 140_000, bestCase: 170_000, weighted: 147_000 } });
    expect(t2).to.deep.include({ targetId: 't2', actual: 3, percent: 75, pipeline: { commit: 2, bestCase: 3, weighted: 2.1 }, forecast: { commit: 5, bestCase: 6, weighted: 5.1 } });
    expect(t3).to.deep.include({ targetId: 't3', actual: 1, percent: 10, pipeline: null, forecast: null });
    expect(forecastVsTarget(db(), 'acme', query({ owner: 'u2' })).data.map((t) => [t.targetId, t.actual, t.percent])).to.deep.equal([['t2', 3, 75], ['t4', 0, null]]);
  });

  it('rebuilds (POST …/rebuild, the CLI and the job share runner.rebuild) to tables giving the same reports', async () => {
    const before = everything();
    const ticket = await runner.rebuild('sales.reports');
    expect(await ticket.done).to.equal('swapped');
    expect(everything()).to.deep.equal(before);
  });
});
