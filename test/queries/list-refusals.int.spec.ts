import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { cursorKeyOf } from '../../src/queries/cursor.js';
import { listPage, type ListOptions } from '../../src/queries/list.js';
import { cursorKey, failure, ordered, spec, useDeals, type Deal } from './deals.js';

describe('listPage: refusals and search', () => {
  const { db, rowsOf, ids, walk } = useDeals();

  describe('refuses hostile or malformed input with a 400', () => {
    const snapshot = () => JSON.stringify([db().prepare('SELECT * FROM deals ORDER BY id').all(), db().prepare('SELECT * FROM sqlite_master').all()]);

    it('binds every value: SQL inside strings matches nothing and changes nothing', () => {
      const before = snapshot();
      const filters = [`name[eq]:"x' OR 1=1 --"`, `name[eq]:"x\\"); DROP TABLE deals; --"`, `name[like]:"*' OR '1'='1"`, `stage[in]:["won') OR ('1'='1"]`];
      for (const filter of filters) expect(ids({ filter })).to.deep.equal([]);
      expect(ids({ q: "'; DROP TABLE deals; --" })).to.deep.equal([]);
      expect(snapshot()).to.equal(before);
    });

    const refusals: [string, Partial<ListOptions>, string, number?][] = [
      ['SQL as a field name', { filter: 'field"; DROP TABLE deals; --[eq]:1' }, 'invalid_filter', 5],
      ['an unknown field', { filter: 'and(stage[eq]:"won",nope[eq]:1)' }, 'invalid_filter', 20],
      ['a declared field that is not filterable', { filter: 'secret[eq]:"globex"' }, 'invalid_filter', 0],
      ['a prototype property as a field', { filter: '__proto__[eq]:1' }, 'invalid_filter', 0],
      ['a string where an integer goes', { filter: 'and(stage[eq]:"won",amount.amount[gte]:"100")' }, 'invalid_filter', 39],
      ['a fraction for an integer field', { filter: 'amount.amount[eq]:1.5' }, 'invalid_filter', 18],
      ['a string for a boolean', { filter: 'won[eq]:"yes"' }, 'invalid_filter', 8],
      ['a date that does not exist', { filter: 'createdAt[gt]:"2024-02-30"' }, 'invalid_filter', 14],
      ['a date-time without a zone', { filter: 'createdAt[gt]:"2024-01-01T10:00"' }, 'invalid_filter', 14],
      ['a number for a string field', { filter: 'name[gt]:5' }, 'invalid_filter', 9],
      ['an order comparison on tags', { filter: 'tags[gt]:"x"' }, 'invalid_filter', 0],
      ['like on a number', { filter: 'amount.amount[like]:"1*"' }, 'invalid_filter', 0],
      ['nesting of 9 levels', { filter: `${'not('.repeat(9)}won[eq]:true${')'.repeat(9)}` }, 'invalid_filter', 32],
      ['a huge number', { filter: 'amount.amount[gte]:1e400' }, 'invalid_filter', 19],
      ['an unknown sort field', { sort: 'nope' }, 'invalid_sort'],
      ['a declared field that is not sortable', { sort: '-secret' }, 'invalid_sort'],
      ['sorting by tags', { sort: 'tags' }, 'invalid_sort'],
      ['SQL in the sort', { sort: 'name; DROP TABLE deals' }, 'invalid_sort'],
      ['a field sorted twice', { sort: 'name,-name' }, 'invalid_sort'],
      ['five sort fields', { sort: 'name,stage,score,won,closedAt' }, 'invalid_sort'],
      ['limit 0', { limit: 0 }, 'invalid_limit'],
      ['limit 201', { limit: '201' }, 'invalid_limit'],
      ['a fractional limit', { limit: '1.5' }, 'invalid_limit'],
      ['a limit that is not a number', { limit: 'ten' }, 'invalid_limit'],
      ['a search query beyond 200 characters', { q: 'x'.repeat(201) }, 'invalid_search'],
    ];
    for (const [name, options, code, position] of refusals) {
      it(name, () => {
        const before = snapshot();
        const error = failure(() => listPage(db(), spec, { tenantId: 'acme', ...options }, cursorKey));
        expect(error.code, error.message).to.equal(code);
        expect(error.status).to.equal(400);
        if (position !== undefined) expect(error.extra.position, error.message).to.equal(position);
        expect(snapshot()).to.equal(before);
      });
    }

    it('refuses a cursor that is tampered with, malformed, forged or from another query, tenant, scope or key', () => {
      const base = { tenantId: 'acme', sort: 'name', limit: 5 };
      const cursor = listPage(db(), spec, base, cursorKey).page.nextCursor!;
      const sealed = Buffer.from(cursor, 'base64url');
      const flipped = (i: number) => Buffer.from(sealed.map((byte, j) => (j === i ? byte ^ 1 : byte))).toString('base64url');
      const forge = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
      const tampered = [
        'not a cursor!',
        forge('hello').slice(0, -1),
        forge({ f: 'x'.repeat(22), v: ['Acme Corp 1', 'id'] }),
        forge(['Acme Corp 1', 'id']),
        flipped(0),
        flipped(14),
        flipped(sealed.length - 1),
        sealed.subarray(0, -1).toString('base64url'),
        `${cursor}A`,
      ];
      const replays: Partial<ListOptions>[] = [{ sort: '-name' }, { filter: 'stage[eq]:"won"' }, { q: 'acme' }, { tenantId: 'globex' }, { scope: 'owner:u1' }];
      for (const options of [...tampered.map((c) => ({ cursor: c })), ...replays.map((o) => ({ ...o, cursor }))]) {
        expect(failure(() => listPage(db(), spec, { ...base, ...options }, cursorKey)).code, JSON.stringify(options)).to.equal('invalid_cursor');
      }
      expect(failure(() => listPage(db(), spec, { ...base, cursor }, cursorKeyOf(randomBytes(32)))).code).to.equal('invalid_cursor');
      expect(listPage(db(), spec, { ...base, cursor }, cursorKey).data).to.have.length(5);
    });

    it('holds no sort value in plaintext', () => {
      const cursor = listPage(db(), spec, { tenantId: 'acme', sort: 'name', limit: 5 }, cursorKey).page.nextCursor!;
      const last = listPage(db(), spec, { tenantId: 'acme', sort: 'name', limit: 5 }, cursorKey).data.at(-1)!;
      const decoded = Buffer.from(cursor, 'base64url').toString('latin1');
      for (const value of [last.name, last.id] as string[]) expect(decoded).not.to.contain(value).and.not.to.contain(value.slice(0, 4));
      expect(cursor).to.match(/^[A-Za-z0-9_-]+$/).and.to.have.length.below(120);
    });
  });

  describe('searches with FTS5', () => {
    const words = (d: Deal): string[] => d.name.toLowerCase().split(/[^a-z0-9]+/);

    it('matches every term, the last as a prefix, within the tenant, with filter, sort and paging', () => {
      const expected = rowsOf('acme').filter((d) => words(d).includes('acme') && words(d).some((w) => w.startsWith('lab')));
      expect(walk({ q: 'ACME lab', sort: 'name' })).to.deep.equal(ordered(expected, 'name'));
      const filtered = rowsOf('acme').filter((d) => words(d).includes('globex') && d.stage !== null);
      expect(walk({ q: 'glob', filter: 'stage[is]:not_null', sort: '-createdAt' })).to.deep.equal(ordered(filtered, '-createdAt'));
      expect(filtered).not.to.be.empty;
    });

    it('treats FTS5 syntax in q as text, and a blank q as no search', () => {
      for (const q of ['acme OR globex', '"', 'NEAR(acme corp)', 'name:acme', '*', 'acme AND', '\u0000']) {
        expect(ids({ q }), q).to.deep.equal([]);
      }
      expect(ids({ q: '-acme' }), 'not a NOT').to.deep.equal(ids({ q: 'acme' })).and.not.be.empty;
      expect(ids({ q: '  ' })).to.have.length(150);
    });

    it('answers search_not_supported on a list without search', () => {
      const { search: _, ...plain } = spec;
      const error = failure(() => listPage(db(), plain, { tenantId: 'acme', q: 'acme' }, cursorKey));
      expect([error.code, error.status]).to.deep.equal(['search_not_supported', 400]);
    });
  });
});
