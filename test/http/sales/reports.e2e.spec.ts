import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { handleCommand, type CommandDeps } from '../../../src/commands/handle.js';
import { activityAggregate } from '../../../src/commands/sales/activity.js';
import { opportunityAggregate } from '../../../src/commands/sales/opportunity.js';
import { awayFromMonthEnd } from '../../support/calendar.js';
import { periodKeyOf } from '../../../src/events/sales/period.js';
import { call, tokenFor } from '../../support/http.js';
import { createUserIn } from '../../support/tenant.js';
import { salesSession } from './session.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const usd = (amount: number) => ({ amount, currency: 'USD' });

describe('/sales/reports and /sales/targets', () => {
  before(async function () {
    this.timeout(90_000);
    await awayFromMonthEnd();
  });
  const s = salesSession();
  const now = () => new Date().toISOString();
  const month = () => periodKeyOf(now(), 'month');
  const quarter = () => periodKeyOf(now(), 'quarter');
  const created = async (path: string, body: object, token?: string) => {
    const res = await s.send('POST', path, body, token);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id as string;
  };
  const ok = async (method: string, path: string, body?: object, headers?: Record<string, string>) => {
    const res = await s.send(method, path, body, undefined, headers);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  };
  const report = async (name: string, query = '', token?: string) => {
    const res = await s.get(`/sales/reports/${name}${query}`, token);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body;
  };
  let targetId = '';
  const users: Record<string, string> = {};
  /** The id of the tenant's user called `name`, created at first use: an owner given is a user of the tenant. */
  const userNamed = async (name: string): Promise<string> => (users[name] ??= await createUserIn(s.server(), s.admin(), `${name}@reports.example`, ['sales_rep']));

  before(async () => {
    const today = now().slice(0, 10);
    await created('/sales/opportunities', { name: 'Open EUR', amount: eur(100_000), stage: 'proposal', expectedCloseDate: today });
    const moved = await created('/sales/opportunities', { name: 'Won EUR', amount: eur(50_000), expectedCloseDate: today });
    await ok('PATCH', `/sales/opportunities/${moved}`, { stage: 'negotiation' }, { 'If-Match': '"0"' });
    await ok('POST', `/sales/opportunities/${moved}/win`, {});
    const lost = await created('/sales/opportunities', { name: 'Lost EUR', amount: eur(20_000) });
    await ok('POST', `/sales/opportunities/${lost}/lose`, { reason: 'budget' });
    const usdDeal = await created('/sales/opportunities', { name: 'Open USD', amount: usd(30_000), stage: 'negotiation', expectedCloseDate: today });
    await created('/sales/opportunities', { name: 'Rep win', amount: eur(25_000), ownerId: await userNamed('rep-1') }).then((id) => ok('POST', `/sales/opportunities/${id}/win`, {}));
    const person = (n: number) => ({ firstName: `Lead${n}`, lastName: 'Person', email: `lead${n}@example.org` });
    await created('/sales/leads', person(1)).then((id) => ok('POST', `/sales/leads/${id}/convert`, {}));
    await created('/sales/leads', person(2));
    const call1 = await created('/sales/activities', { kind: 'call', subject: 'Intro call', startsAt: now(), linkedTo: { type: 'opportunity', id: usdDeal } });
    await ok('POST', `/sales/activities/${call1}/complete`, {});
    await created('/sales/activities', { kind: 'note', subject: 'A note', linkedTo: { type: 'opportunity', id: usdDeal } });
    targetId = await created('/sales/targets', { assignee: { type: 'user', id: 'user-admin' }, period: quarter(), metric: 'won_revenue', quota: 100_000 });
  });

  describe('POST /sales/targets', () => {
    it("answers 201 and keeps the period's UTC range and the tenant's default currency", async () => {
      const target = (await s.get(`/sales/targets/${targetId}`)).body;
      expect(target).to.include({ period: quarter(), metric: 'won_revenue', currency: 'EUR', quota: 100_000 });
      expect(target.periodStart < now() && now() < target.periodEnd).to.equal(true);
    });
    it('refuses an invalid period, an unconfigured currency and a currency on a count (422), appending nothing', async () => {
      const head = await s.head();
      const base = { assignee: { type: 'user', id: 'user-admin' }, period: '2026-Q4', metric: 'won_revenue', quota: 1 };
      for (const [body, code] of [
        [{ ...base, period: '2026-Q5' }, 'invalid_period'], [{ ...base, period: '26' }, 'invalid_period'], [{ ...base, period: '2026-W01' }, 'invalid_period'],
        [{ ...base, currency: 'JPY' }, 'invalid_currency'],
        [{ ...base, metric: 'won_deals', currency: 'EUR' }, 'currency_not_applicable'],
        [{ ...base, assignee: { type: 'team', id: 'emea' } }, 'team_members_required'],
      ] as const) {
        const res = await s.send('POST', '/sales/targets', body);
        expect(res.status).to.equal(422);
        expect(res.body.code).to.equal(code);
      }
      expect(await s.head()).to.equal(head);
    });
    it('is refused (403) to a sales rep, their own quota included, who still reads targets; nothing appended', async () => {
      const repQuota = await userNamed('rep-quota');
      const rep = await tokenFor(s.server(), { tenantId: 'acme', actorId: repQuota, roles: ['sales_rep'] });
      const later = periodKeyOf(new Date(Date.now() + 1_200 * 86_400_000).toISOString(), 'quarter'); // out of every other spec's range
      const own = await created('/sales/targets', { assignee: { type: 'user', id: repQuota }, period: later, metric: 'won_deals', quota: 3, ownerId: repQuota });
      const head = await s.head();
      const refusals = [
        await s.send('POST', '/sales/targets', { assignee: { type: 'user', id: repQuota }, period: month(), metric: 'won_deals', quota: 1 }, rep),
        await s.send('PATCH', `/sales/targets/${own}`, { quota: 1 }, rep, { 'If-Match': '"0"' }),
        await s.send('POST', `/sales/targets/${own}/archive`, {}, rep),
      ];
      expect(refusals.map((r) => [r.status, r.body.code])).to.deep.equal([[403, 'forbidden'], [403, 'forbidden'], [403, 'forbidden']]);
      expect(await s.head()).to.equal(head);
      expect((await s.get(`/sales/targets/${own}`, rep)).body).to.include({ quota: 3, ownerId: repQuota });
    });
    it('answers 412 to a stale If-Match on PATCH', async () => {
      const res = await s.send('PATCH', `/sales/targets/${targetId}`, { quota: 1 }, undefined, { 'If-Match': '"7"' });
      expect(res.status).to.equal(412);
    });
  });

  describe('GET /sales/targets/:id/attainment', () => {
    it('answers quota, actual, percent, open pipeline and forecast (commit from 75 %)', async () => {
      const res = await s.get(`/sales/targets/${targetId}/attainment`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.include({
        targetId, metric: 'won_revenue', currency: 'EUR', quota: 100_000, actual: 50_000, percent: 50,
        pipeline: { commit: 0, bestCase: 100_000, weighted: 50_000 }, forecast: { commit: 50_000, bestCase: 150_000, weighted: 100_000 },
      });
    });
    it('counts in the commit from the tenant\'s configured probability (forecast.commitProbability), in the attainment and in forecast-vs-target', async () => {
      const commitOf = async () => (await s.get(`/sales/targets/${targetId}/attainment`)).body.pipeline.commit;
      const reported = async () => (await report('forecast-vs-target')).data.find((t: { targetId: string }) => t.targetId === targetId).pipeline.commit;
      expect((await s.send('PATCH', '/api/superadmin/sales-config', { forecast: { commitProbability: 50 } })).status).to.equal(200);
      try {
        expect([await commitOf(), await reported()]).to.deep.equal([100_000, 100_000]);
        const refused = await s.send('PATCH', '/api/superadmin/sales-config', { forecast: { commitProbability: 0 } });
        expect([refused.status, refused.body.errors?.[0]?.pointer]).to.deep.equal([400, '/forecast/commitProbability']);
      } finally {
        expect((await s.send('PATCH', '/api/superadmin/sales-config', { forecast: { commitProbability: 75 } })).status).to.equal(200);
      }
      expect([await commitOf(), await reported()]).to.deep.equal([0, 0]);
    });
    it("answers 404 to another tenant", async () => {
      expect((await s.get(`/sales/targets/${targetId}/attainment`, s.globex())).status).to.equal(404);
    });
    it('shows a reader limited to their own figures only their own attainment (403 for anyone else\'s, even on a target they own)', async () => {
      const grants = ['sales.targets:read', 'sales.reports:read'].map((permission) => ({ permission, scope: 'own' }));
      const defined = await s.send('POST', '/api/admin/roles', { name: 'own_figures', grants });
      expect(defined.status, JSON.stringify(defined.body)).to.equal(201);
      const ownReader = await userNamed('own-reader');
      const reader = await tokenFor(s.server(), { tenantId: 'acme', actorId: ownReader, roles: ['own_figures'] });
      const period = periodKeyOf(new Date(Date.now() + 400 * 86_400_000).toISOString(), 'quarter'); // out of the other specs' range
      const theirs = await created('/sales/targets', { assignee: { type: 'user', id: 'user-admin' }, ownerId: ownReader, period, metric: 'won_deals', quota: 3 });
      const mine = await created('/sales/targets', { assignee: { type: 'user', id: ownReader }, ownerId: ownReader, period, metric: 'won_deals', quota: 3 });
      const refused = await s.get(`/sales/targets/${theirs}/attainment`, reader);
      expect([refused.status, refused.body.code]).to.deep.equal([403, 'forbidden']);
      expect((await s.get(`/sales/targets/${mine}/attainment`, reader)).status).to.equal(200);
    });
    it('answers 404, as GET /sales/targets/:id does, to a reader of their own targets for another\'s target: a 403 would tell it exists', async () => {
      const grants = ['sales.targets:read', 'sales.reports:read'].map((permission) => ({ permission, scope: 'own' }));
      const defined = await s.send('POST', '/api/admin/roles', { name: 'own_targets', grants });
      expect(defined.status, JSON.stringify(defined.body)).to.equal(201);
      const ownReader = await userNamed('own-targets-reader');
      const reader = await tokenFor(s.server(), { tenantId: 'acme', actorId: ownReader, roles: ['own_targets'] });
      const period = periodKeyOf(new Date(Date.now() + 500 * 86_400_000).toISOString(), 'quarter');
      const others = await created('/sales/targets', { assignee: { type: 'user', id: ownReader }, period, metric: 'won_deals', quota: 3 });
      const [read, attainment] = [await s.get(`/sales/targets/${others}`, reader), await s.get(`/sales/targets/${others}/attainment`, reader)];
      expect([read.status, attainment.status, attainment.body.code]).to.deep.equal([404, 404, 'not_found']);
    });
  });

  describe('GET /sales/reports/:name', () => {
    it('pipeline-by-stage: open deals per stage and currency', async () => {
      expect((await report('pipeline-by-stage')).data).to.deep.equal([
        { pipeline: 'default', stage: 'proposal', probability: 50, currency: 'EUR', deals: 1, amount: eur(100_000), weighted: eur(50_000) },
        { pipeline: 'default', stage: 'negotiation', probability: 80, currency: 'USD', deals: 1, amount: usd(30_000), weighted: usd(24_000) },
      ]);
    });
    it('win-rate, cycle-length and revenue over closed deals', async () => {
      expect(await report('win-rate', `?from=${month()}&to=${month()}`)).to.deep.equal({
        report: 'win-rate', data: [{ period: month(), won: 2, lost: 1, winRate: 0.6667 }], total: { won: 2, lost: 1, winRate: 0.6667 },
      });
      const cycle = await report('cycle-length', '?interval=quarter');
      expect(cycle.total).to.deep.equal({ won: { deals: 2, averageDays: 0 }, lost: { deals: 1, averageDays: 0 }, all: { deals: 3, averageDays: 0 } });
      expect(await report('revenue', '?currency=EUR')).to.deep.equal({
        report: 'revenue',
        data: [{ period: month(), ownerId: users['rep-1'], deals: 1, amount: eur(25_000) }, { period: month(), ownerId: 'user-admin', deals: 1, amount: eur(50_000) }],
        total: [{ deals: 2, amount: eur(75_000) }],
      });
      expect((await report('revenue', `?owner=${users['rep-1']}&interval=year`)).data).to.deep.equal([{ period: month().slice(0, 4), ownerId: users['rep-1'], deals: 1, amount: eur(25_000) }]);
    });
    it('lead-conversion, activity-counts and forecast-vs-target', async () => {
      expect((await report('lead-conversion')).data).to.deep.equal([{ period: month(), created: 2, converted: 1, conversionRate: 0.5 }]);
      expect((await report('activity-counts')).data).to.deep.equal([
        { period: month(), ownerId: 'user-admin', kind: 'call', created: 1, completed: 1 },
        { period: month(), ownerId: 'user-admin', kind: 'note', created: 1, completed: 0 },
      ]);
      const [forecast] = (await report('forecast-vs-target', `?from=${quarter()}&to=${quarter()}`)).data;
      expect(forecast).to.deep.include({ targetId, actual: 50_000, percent: 50, forecast: { commit: 50_000, bestCase: 150_000, weighted: 100_000 } });
    });
    it("shows another tenant none of these figures", async () => {
      expect((await report('pipeline-by-stage', '', s.globex())).data).to.deep.equal([]);
      expect(await report('win-rate', '', s.globex())).to.deep.equal({ report: 'win-rate', data: [], total: { won: 0, lost: 0, winRate: null } });
      expect((await report('forecast-vs-target', '', s.globex())).data).to.deep.equal([]);
    });
    it('answers 422 invalid_report_query naming each invalid parameter; 400 for an unknown one; 404 for an unknown report', async () => {
      const res = await s.get('/sales/reports/revenue?from=2026-Q5&interval=week&currency=eur');
      expect(res.status).to.equal(422);
      expect(res.body.code).to.equal('invalid_report_query');
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).to.deep.equal(['/query/from', '/query/interval', '/query/currency']);
      const backwards = await s.get('/sales/reports/win-rate?from=2026-12&to=2026-01');
      expect([backwards.status, backwards.body.errors]).to.deep.equal([422, [{ pointer: '/query/to', message: 'ends before from starts' }]]);
      expect((await s.get('/sales/reports/lead-conversion?pipeline=default')).status).to.equal(400);
      expect((await s.get('/sales/reports/nope')).status).to.equal(404);
    });
    it('forecast-vs-target: a reader limited to their own figures sees only targets of theirs alone, and only targets they may read', async () => {
      const grants = ['sales.targets:read', 'sales.reports:read'].map((permission) => ({ permission, scope: 'own' }));
      expect((await s.send('POST', '/api/admin/roles', { name: 'own_forecast', grants })).status).to.equal(201);
      const forecastReader = await userNamed('forecast-reader');
      const reader = await tokenFor(s.server(), { tenantId: 'acme', actorId: forecastReader, roles: ['own_forecast'] });
      const period = periodKeyOf(new Date(Date.now() + 800 * 86_400_000).toISOString(), 'quarter'); // out of the other specs' range
      const target = (assignee: object, ownerId: string, metric = 'won_deals') => created('/sales/targets', { assignee, ownerId, period, metric, quota: 3 });
      const alone = await target({ type: 'user', id: forecastReader }, forecastReader);
      const team = await target({ type: 'team', id: 'mixed', members: [forecastReader, users['rep-1']] }, forecastReader);
      // Another metric: the same one would duplicate `alone` (409 duplicate_target).
      const notTheirs = await target({ type: 'user', id: forecastReader }, 'user-admin', 'activities_completed');
      const ids = async (token?: string) => (await report('forecast-vs-target', `?from=${period}&to=${period}`, token)).data.map((t: { targetId: string }) => t.targetId);
      expect(await ids(reader)).to.deep.equal([alone]);
      expect(await ids()).to.have.members([alone, team, notTheirs]);
    });
    it('forecast-vs-target answers 403 to a reader of reports who may not read targets', async () => {
      const grants = [{ permission: 'sales.reports:read', scope: 'all' }];
      expect((await s.send('POST', '/api/admin/roles', { name: 'reports_only', grants })).status).to.equal(201);
      const reader = await tokenFor(s.server(), { tenantId: 'acme', actorId: 'reports-reader', roles: ['reports_only'] });
      expect((await s.get('/sales/reports/revenue', reader)).status).to.equal(200);
      const refused = await s.get('/sales/reports/forecast-vs-target', reader);
      expect([refused.status, refused.body.code]).to.deep.equal([403, 'forbidden']);
    });
    it('answers 403 without sales.reports:read', async () => {
      const agent = await tokenFor(s.server(), { tenantId: 'acme', actorId: 'agent-1', roles: ['support_agent'] });
      expect((await s.get('/sales/reports/revenue', agent)).status).to.equal(403);
    });
  });

  describe('POST /api/superadmin/projections/sales.reports/rebuild', () => {
    it('rebuilds the reports read model to the same figures', async () => {
      const names = ['pipeline-by-stage', 'win-rate', 'cycle-length', 'revenue', 'lead-conversion', 'activity-counts', 'forecast-vs-target'];
      const all = () => Promise.all(names.map((name) => report(name)));
      const before = await all();
      const operator = await tokenFor(s.server(), { tenantId: 'platform', actorId: 'op-1', roles: ['platform_admin'] });
      const table = () => s.server().projections.physicalTable('sales.reports', 'sales_report_opportunity');
      const old = table();
      const started = await call(s.server(), 'POST', '/api/superadmin/projections/sales.reports/rebuild', { token: operator });
      expect(started.status).to.equal(202);
      for (let i = 0; i < 100 && table() === old; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(table()).not.to.equal(old);
      expect(await all()).to.deep.equal(before);
    });
  });
});

describe('/sales/reports and /sales/targets at period boundaries (UTC)', () => {
  const s = salesSession();
  // The request's time is the server's clock: the closing commands are sent through the one command handler at a chosen time.
  const at = (now: string) => ({ tenantId: 'acme', actorId: 'user-admin', commandId: randomUUID(), correlationId: randomUUID(), now: new Date(now) });
  const deps = (): CommandDeps => ({ store: s.server().store, keyStore: s.server().keyStore });
  const WINS = ['2019-12-31T23:59:59.999Z', '2020-01-01T00:00:00.000Z', '2019-09-30T23:59:59.999Z'];

  before(async () => {
    for (const [i, now] of WINS.entries()) {
      const id = (await s.send('POST', '/sales/opportunities', { name: `Deal ${i}`, amount: { amount: 100 * (i + 1), currency: 'EUR' } })).body.id;
      await handleCommand(deps(), opportunityAggregate, { id, command: { type: 'WinOpportunity' }, context: at(now) });
      const linkedTo = { type: 'opportunity', id };
      const call = (await s.send('POST', '/sales/activities', { kind: 'call', subject: 'Close', startsAt: '2019-06-01T09:00:00Z', linkedTo })).body.id;
      await handleCommand(deps(), activityAggregate, { id: call, command: { type: 'CompleteActivity', at: now }, context: at(now) });
    }
    await s.reachedHead();
  });

  it('counts a deal won at 23:59:59.999 on the last day of a month, quarter and year in that period, and one won at midnight in the next', async () => {
    const periods = async (interval: string) => ((await s.get(`/sales/reports/revenue?interval=${interval}`)).body.data as Array<{ period: string; amount: { amount: number } }>)
      .map((r) => [r.period, r.amount.amount]);
    expect(await periods('month')).to.deep.equal([['2019-09', 300], ['2019-12', 100], ['2020-01', 200]]);
    expect(await periods('quarter')).to.deep.equal([['2019-Q3', 300], ['2019-Q4', 100], ['2020-Q1', 200]]);
    expect(await periods('year')).to.deep.equal([['2019', 400], ['2020', 200]]);
    expect((await s.get('/sales/reports/revenue?from=2019-Q4&to=2019-12')).body.total).to.deep.equal([{ deals: 1, amount: { amount: 100, currency: 'EUR' } }]);
    const completed = (await s.get('/sales/reports/activity-counts?from=2019-10&to=2020-01&interval=quarter')).body.data;
    expect(completed.map((r: { period: string; completed: number }) => [r.period, r.completed])).to.deep.equal([['2019-Q4', 1], ['2020-Q1', 1]]);
  });

  it('gives each target the wins and completions of its own period', async () => {
    const actual = async (period: string, metric: string) => {
      const target = await s.send('POST', '/sales/targets', { assignee: { type: 'user', id: 'user-admin' }, period, metric, quota: 1000 });
      expect(target.status, JSON.stringify(target.body)).to.equal(201);
      return (await s.get(`/sales/targets/${target.body.id}/attainment`)).body.actual;
    };
    const revenue = [];
    for (const period of ['2019-12', '2019-Q4', '2019', '2020-01', '2020-Q1', '2019-Q3', '2019-10']) revenue.push(await actual(period, 'won_revenue'));
    expect(revenue).to.deep.equal([100, 100, 400, 200, 200, 300, 0]);
    expect([await actual('2019-Q4', 'activities_completed'), await actual('2020', 'activities_completed')]).to.deep.equal([1, 1]);
  });
});
