import { expect } from 'chai';
import { listPage } from '../../src/queries/list.js';
import { cursorKey, failure, makeDeal, ordered, spec, useDeals, type Deal } from './deals.js';

describe('listPage: the list-query engine', () => {
  const { db, insert, rowsOf, ids, walk, r } = useDeals();

  describe('walks every row exactly once, in order, by keyset cursor', () => {
    const sorts = ['-createdAt', 'createdAt', 'name', '-name', 'closedAt', '-closedAt', '-score,name', 'stage,-closedAt', '-stage,score,-createdAt', '-amount.amount,won', 'won,-score', '-id', 'closedAt,-score,stage,-createdAt'];
    for (const sort of sorts) {
      it(`sorted by ${sort}`, () => expect(walk({ sort })).to.deep.equal(ordered(rowsOf('acme'), sort)));
    }

    it('sorted by the spec default (-createdAt) when no sort is given', () => {
      expect(walk({})).to.deep.equal(ordered(rowsOf('acme'), '-createdAt'));
    });

    it('answers 50 rows by default, and no cursor when the last page is exactly full', () => {
      const first = listPage(db(), spec, { tenantId: 'acme' }, cursorKey);
      expect(first.data).to.have.length(50);
      expect(first.page.nextCursor).to.be.a('string');
      const won = rowsOf('acme').filter((d) => d.stage === 'won').length;
      expect(listPage(db(), spec, { tenantId: 'acme', filter: 'stage[eq]:"won"', limit: String(won) }, cursorKey).page.nextCursor).to.equal(null);
    });

    it('never duplicates or skips an existing row when rows are inserted while paging', () => {
      let n = 1000;
      for (const sort of ['-createdAt', 'name', 'closedAt,-score', '-stage,score']) {
        const before = ordered(rowsOf('acme'), sort);
        const seen = walk({ sort }, () => [1, 2, 3].forEach(() => insert(makeDeal(r, 'acme', (n += 1)))));
        expect(new Set(seen).size, 'duplicates').to.equal(seen.length);
        expect(seen.filter((id) => before.includes(id)), 'existing rows, in order').to.deep.equal(before);
      }
    });
  });

  describe('filters with two-valued logic (NULL never matches a comparison; neq and not match it)', () => {
    const tags = (d: Deal): string[] => JSON.parse(d.tags) as string[];
    const cases: [string, (d: Deal) => boolean][] = [
      ['stage[eq]:"won"', (d) => d.stage === 'won'],
      ['stage[neq]:"won"', (d) => d.stage !== 'won'],
      ['amount.amount[gte]:5000', (d) => d.amount !== null && d.amount >= 5000],
      ['amount.amount[lt]:5000', (d) => d.amount !== null && d.amount < 5000],
      ['score[gt]:0', (d) => d.score !== null && d.score > 0],
      ['score[lte]:-1.5', (d) => d.score !== null && d.score <= -1.5],
      ['stage[in]:["won","lost"]', (d) => d.stage === 'won' || d.stage === 'lost'],
      ['stage[is]:null', (d) => d.stage === null],
      ['stage[is]:not_null', (d) => d.stage !== null],
      ['not(stage[eq]:"won")', (d) => d.stage !== 'won'],
      ['not(amount.amount[gt]:1000)', (d) => !(d.amount !== null && d.amount > 1000)],
      ['or(stage[eq]:"won",and(stage[eq]:"lost",amount.amount[gt]:1000))', (d) => d.stage === 'won' || (d.stage === 'lost' && d.amount! > 1000)],
      ['tags[eq]:"vip"', (d) => tags(d).includes('vip')],
      ['tags[in]:["vip","x"]', (d) => tags(d).includes('vip') || tags(d).includes('x')],
      ['not(tags[in]:["vip"])', (d) => !tags(d).includes('vip')],
      ['won[eq]:true', (d) => d.won === 1],
      ['won[neq]:true', (d) => d.won !== 1],
      ['createdAt[gte]:"2024-01-05"', (d) => d.created_at >= '2024-01-05T00:00:00.000Z'],
      ['createdAt[lt]:"2024-01-05T02:00:00+02:00"', (d) => d.created_at < '2024-01-05T00:00:00.000Z'],
      ['closedAt[in]:["2024-03-01T00:00:00Z"]', (d) => d.closed_at === '2024-03-01T00:00:00.000Z'],
      ['name[like]:"*LABS*"', (d) => d.name.toLowerCase().includes('labs')],
      ['name[startsWith]:"acme"', (d) => d.name.toLowerCase().startsWith('acme')],
      ['and(stage[eq]:"won",amount.amount[gte]:100000,not(tags[in]:["x"]))', (d) => d.stage === 'won' && d.amount! >= 100000 && !tags(d).includes('x')],
    ];
    for (const [filter, predicate] of cases) {
      it(filter, () => {
        const expected = ordered(rowsOf('acme').filter(predicate), '-score,name');
        expect(expected, 'the fixture exercises the filter').not.to.be.empty;
        expect(walk({ filter, sort: '-score,name' })).to.deep.equal(expected);
      });
    }

    it('like and startsWith treat % _ and \\ literally; * is the wildcard of like', () => {
      for (const [i, name] of ['100% Deal', '1000 Deal', 'a_b', 'axb', 'back\\slash'].entries()) insert({ ...makeDeal(r, 'lit', i), name });
      expect(ids({ filter: 'name[like]:"100%*"' }, 'lit').length).to.equal(1);
      expect(ids({ filter: 'name[startsWith]:"a_"' }, 'lit').length).to.equal(1);
      expect(ids({ filter: 'name[like]:"*\\\\*"' }, 'lit').length).to.equal(1);
      expect(ids({ filter: 'name[like]:"*"' }, 'lit').length).to.equal(5);
    });
  });

  describe('keeps tenants apart', () => {
    it('never answers another tenant, whatever the filter, policy condition or cursor', () => {
      const acme = ordered(rowsOf('acme'), 'name');
      expect(walk({ sort: 'name', filter: 'or(stage[eq]:"won",stage[neq]:"won")' })).to.deep.equal(acme);
      expect(walk({ sort: 'name', where: { sql: 'stage = ? OR 1 = 1', bindings: ['won'] } })).to.deep.equal(acme);
      const acmeCursor = listPage(db(), spec, { tenantId: 'acme', sort: 'name', limit: 3 }, cursorKey).page.nextCursor!;
      const foreign = failure(() => listPage(db(), spec, { tenantId: 'globex', sort: 'name', limit: 200, cursor: acmeCursor }, cursorKey));
      expect([foreign.code, foreign.status]).to.deep.equal(['invalid_cursor', 400]);
      const globex = listPage(db(), spec, { tenantId: 'globex', sort: 'name', limit: 200 }, cursorKey).data;
      expect(globex.map((d) => d.tenant_id)).to.satisfy((t: string[]) => t.length > 0 && t.every((x) => x === 'globex'));
    });

    it('ANDs the access policy condition', () => {
      const won = ordered(rowsOf('acme').filter((d) => d.stage === 'won'), 'name');
      expect(walk({ sort: 'name', where: { sql: '"deals"."stage" = ?', bindings: ['won'] } })).to.deep.equal(won);
    });
  });
});
