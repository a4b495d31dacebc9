import { expect } from 'chai';
import { tokenFor } from '../../support/http.js';
import { salesSession } from './session.js';

describe('/sales/targets: one active target per assignee, period, metric and currency', () => {
  const s = salesSession();
  const people = new Map<string, string>();
  /** The id of the tenant's user called `name` (invited before the specs): a target's people are users of the tenant. */
  const idOf = (name: string): string => people.get(name) ?? expect.fail(`no user called ${name}`);
  const user = (name: string) => ({ type: 'user', id: idOf(name) });
  const team = (id: string, names: string[]) => ({ type: 'team', id, members: names.map(idOf) });
  /** A revenue target of `rep` (none: `fields` give the assignee) for 2026-Q4 (the tenant's default currency, EUR), with `fields` changed. */
  const target = (rep: string, fields: object = {}) => ({ ...(rep ? { assignee: user(rep) } : {}), period: '2026-Q4', metric: 'won_revenue', quota: 100_000, ...fields });
  const create = (body: object, token?: string) => s.send('POST', '/sales/targets', body, token);
  const created = async (body: object, token?: string): Promise<string> => {
    const res = await create(body, token);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id as string;
  };
  const ok = async (method: string, path: string, body: object = {}) => {
    const res = await s.send(method, path, body);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  };

  before(async () => {
    const reps = ['dup', 'a', 'b', 'c', 'other', 'other-2', 'race', 'race-8', 'patch', 'currency', ...Array.from({ length: 6 }, (_, i) => `turns-${i}`),
      'merge-1', 'merge-2', 'merge-3', 'guarded', 'n1', 'n2', 's1', 'archive', 'forecast'];
    for (const rep of reps.map((name) => `rep-${name}`)) {
      const res = await s.send('POST', '/api/admin/users/invite', { email: `${rep}@targets.example`, name: rep, roles: ['sales_rep'] });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      people.set(rep, res.body.id);
    }
  });

  const refusedWithNothingWritten = async (send: () => Promise<{ status: number; body: any }>, existingId: string) => {
    const before = await s.head();
    const res = await send();
    expect(res.status, JSON.stringify(res.body)).to.equal(409);
    expect(res.body).to.include({ code: 'duplicate_target', existingId, field: 'target' });
    expect(await s.head()).to.equal(before);
  };

  describe('POST /sales/targets', () => {
    it('refuses a second target of the same user, period, metric and currency (409 duplicate_target naming the first), appending nothing', async () => {
      const first = await created(target('rep-dup'));
      await refusedWithNothingWritten(() => create(target('rep-dup', { quota: 5, name: 'Another name' })), first);
      // The default currency spelled out is the same currency.
      await refusedWithNothingWritten(() => create(target('rep-dup', { currency: 'EUR' })), first);
    });

    it('refuses a team with the same members, in another order or under another team id', async () => {
      const first = await created(target('', { assignee: team('emea', ['rep-a', 'rep-b', 'rep-c']), metric: 'won_deals', quota: 12 }));
      await refusedWithNothingWritten(() => create(target('', { assignee: team('emea', ['rep-c', 'rep-a', 'rep-b']), metric: 'won_deals', quota: 3 })), first);
      await refusedWithNothingWritten(() => create(target('', { assignee: team('europe', ['rep-b', 'rep-c', 'rep-a']), metric: 'won_deals', quota: 3 })), first);
    });

    it('accepts another period, metric, currency, assignee or member set, and the same target in another tenant (201)', async () => {
      await created(target('rep-other'));
      await created(target('rep-other', { period: '2026-Q3' }));
      await created(target('rep-other', { period: '2026-10' }));
      await created(target('rep-other', { period: '2026' }));
      await created(target('rep-other', { metric: 'won_deals' }));
      await created(target('rep-other', { metric: 'activities_completed' }));
      await created(target('rep-other', { currency: 'USD' }));
      await created(target('rep-other-2'));
      await created(target('', { assignee: team('t', ['rep-other']) }));
      await created(target('', { assignee: team('t', ['rep-other', 'rep-other-2']) }));
      // A user is of one tenant: the same key in two is a caller's own quota (the caller is not looked up).
      const both = async (tenantId: string) => tokenFor(s.server(), { tenantId, actorId: 'user-both', roles: ['tenant_admin'] });
      const own = { ...target(''), assignee: { type: 'user', id: 'user-both' } };
      await created(own, await both('acme'));
      await created(own, await both('globex'));
    });

    it('lets exactly one of identical creates sent together succeed', async () => {
      const answers = await Promise.all(Array.from({ length: 2 }, () => create(target('rep-race'))));
      expect(answers.map((a) => a.status).sort(), JSON.stringify(answers.map((a) => a.body))).to.deep.equal([201, 409]);
      const winner = answers.find((a) => a.status === 201)!.body.id;
      expect(answers.find((a) => a.status === 409)!.body).to.include({ code: 'duplicate_target', existingId: winner });
      const many = await Promise.all(Array.from({ length: 8 }, () => create(target('rep-race-8'))));
      expect(many.map((a) => a.status).sort()).to.deep.equal([201, 409, 409, 409, 409, 409, 409, 409]);
    });
  });

  describe('PATCH /sales/targets/:id', () => {
    it('refuses a change making the target a duplicate of another active one, and allows any other change', async () => {
      const first = await created(target('rep-patch'));
      const second = await created(target('rep-patch', { period: '2026-Q3' }));
      await refusedWithNothingWritten(() => s.send('PATCH', `/sales/targets/${second}`, { period: '2026-Q4' }), first);
      await ok('PATCH', `/sales/targets/${first}`, { quota: 7, name: 'Renamed' });
      await ok('PATCH', `/sales/targets/${second}`, { period: '2027-Q1' });
    });

    it('compares the currency the patch leaves: the default one when it clears it or makes a count a revenue target', async () => {
      const eur = await created(target('rep-currency'));
      const usd = await created(target('rep-currency', { currency: 'USD' }));
      const deals = await created(target('rep-currency', { metric: 'won_deals' }));
      await refusedWithNothingWritten(() => s.send('PATCH', `/sales/targets/${usd}`, { currency: null }), eur);
      await refusedWithNothingWritten(() => s.send('PATCH', `/sales/targets/${deals}`, { metric: 'won_revenue' }), eur);
      await ok('PATCH', `/sales/targets/${deals}`, { metric: 'won_revenue', currency: 'GBP' });
      expect((await s.get(`/sales/targets/${deals}`)).body).to.include({ metric: 'won_revenue', currency: 'GBP' });
    });

    it('checks patches of one target sent together one after the other: their joint result is no duplicate either', async () => {
      // Each patch alone leaves a target of its own; both would leave a duplicate of `taken`.
      const reps = Array.from({ length: 6 }, (_, i) => `rep-turns-${i}`);
      const pairs = await Promise.all(reps.map(async (rep) => {
        const taken = await created(target(rep));
        const moving = await created(target(rep, { period: '2026-Q3', metric: 'won_deals' }));
        return { taken, moving };
      }));
      const answers = await Promise.all(pairs.map(({ moving }) => Promise.all([
        s.send('PATCH', `/sales/targets/${moving}`, { period: '2026-Q4' }),
        s.send('PATCH', `/sales/targets/${moving}`, { metric: 'won_revenue' }),
      ])));
      for (const [i, pair] of answers.entries()) {
        expect(pair.map((a) => a.status).sort(), JSON.stringify(pair.map((a) => a.body))).to.deep.equal([200, 409]);
        expect(pair.find((a) => a.status === 409)!.body).to.include({ code: 'duplicate_target', existingId: pairs[i]!.taken });
      }
    });

    it('refuses a patch naming some members of the assignee (a merge patch) that gives it another target\'s key, and accepts one that does not', async () => {
      const first = await created(target('rep-merge-1'));
      const second = await created(target('rep-merge-2'));
      await refusedWithNothingWritten(() => s.send('PATCH', `/sales/targets/${second}`, { assignee: { id: idOf('rep-merge-1') } }), first);
      const squad = await created(target('', { assignee: team('squad', ['rep-merge-1']) }));
      await refusedWithNothingWritten(() => s.send('PATCH', `/sales/targets/${squad}`, { assignee: { ...user('rep-merge-1'), members: null } }), first);
      await ok('PATCH', `/sales/targets/${squad}`, { assignee: { ...user('rep-merge-3'), members: null } });
      expect((await s.get(`/sales/targets/${squad}`)).body.assignee).to.deep.equal(user('rep-merge-3'));
    });

    it('answers an own-scoped caller patching another\'s target 403, not 409: the key is checked after the policy', async () => {
      const grants = ['sales.targets:read', 'sales.targets:update'].map((permission) => ({ permission, scope: 'own' }));
      expect((await s.send('POST', '/api/admin/roles', { name: 'own_targets', grants })).status).to.equal(201);
      const keeper = await tokenFor(s.server(), { tenantId: 'acme', actorId: 'target-keeper', roles: ['own_targets'] });
      await created(target('rep-guarded'));
      const theirs = await created(target('rep-guarded', { period: '2026-Q3' }));
      const before = await s.head();
      const res = await s.send('PATCH', `/sales/targets/${theirs}`, { period: '2026-Q4' }, keeper);
      expect([res.status, res.body.code]).to.deep.equal([403, 'forbidden']);
      expect(await s.head()).to.equal(before);
    });

    it('refuses moving a team to the member set of another active team target', async () => {
      const first = await created(target('', { assignee: team('north', ['rep-n1', 'rep-n2']) }));
      const second = await created(target('', { assignee: team('south', ['rep-s1']) }));
      await refusedWithNothingWritten(() => s.send('PATCH', `/sales/targets/${second}`, { assignee: team('south', ['rep-n2', 'rep-n1']) }), first);
    });
  });

  describe('archive and restore', () => {
    it('does not count an archived target; restoring it while another active one holds its key is refused', async () => {
      const first = await created(target('rep-archive'));
      await ok('POST', `/sales/targets/${first}/archive`);
      const second = await created(target('rep-archive'));
      await refusedWithNothingWritten(() => s.send('POST', `/sales/targets/${first}/restore`, {}), second);
      await ok('POST', `/sales/targets/${second}/archive`);
      await ok('POST', `/sales/targets/${first}/restore`);
    });
  });

  describe('GET /sales/reports/forecast-vs-target', () => {
    it('lists the quota once: the refused duplicate is not there', async () => {
      const first = await created(target('rep-forecast', { period: '2031-Q2', metric: 'won_deals', quota: 4 }));
      expect((await create(target('rep-forecast', { period: '2031-Q2', metric: 'won_deals', quota: 4 }))).status).to.equal(409);
      await s.reachedHead();
      const res = await s.get('/sales/reports/forecast-vs-target?from=2031-Q2&to=2031-Q2');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.data.map((t: { targetId: string }) => t.targetId)).to.deep.equal([first]);
    });
  });
});
