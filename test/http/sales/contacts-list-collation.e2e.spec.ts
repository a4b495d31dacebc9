import { expect } from 'chai';
import { salesSession, type SalesSession } from './session.js';

type Listed = { id: string; firstName: string; lastName: string; email: string };

/** Every row of `query`, `limit` a page, following `page.nextCursor` (each page must be a 200). */
const walk = async (s: SalesSession, path: string, query: string, limit: number): Promise<Listed[]> => {
  const rows: Listed[] = [];
  for (let cursor: string | null = '', pages = 0; cursor !== null && pages < 50; pages += 1) {
    const res = await s.get(`${path}?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    rows.push(...(res.body.data as Listed[]));
    cursor = res.body.page.nextCursor;
  }
  return rows;
};

describe('GET /sales/contacts?sort=: text sorts ignore case and accents', () => {
  const s = salesSession();
  const PEOPLE = [
    ['Zed', 'Star*Man'], ['émile', 'durand'], ['Émile', 'Durand'], ['Ada', 'Smith-Jones'], ['emma', 'a_b%c'],
    ['Ölaf', '李'], ['Bea', 'Ébert'], ['Olga', 'ebbe'], ['Ziggy', 'Zola'], ['Ada', 'Adams'],
  ] as const;
  const BY_COUNTRY = `filter=${encodeURIComponent('country[eq]:"PT"')}`;
  const ids = new Map<string, string>();

  before(async () => {
    for (const [firstName, lastName] of PEOPLE) {
      const email = `${ids.size}.collation@example.org`;
      const res = await s.send('POST', '/sales/contacts', { firstName, lastName, email, country: 'PT' });
      ids.set(`${firstName} ${lastName}`, res.body.id);
    }
  });

  /** `names` in order, each group of equals (same letters, case and accents aside) by id. */
  const inOrder = (...groups: string[][]): string[] =>
    groups.flatMap((group) => [...group].sort((a, b) => (ids.get(a)! < ids.get(b)! ? -1 : 1)));
  const named = (rows: Listed[]) => rows.map((c) => `${c.firstName} ${c.lastName}`);
  const ascendingByLastName = () => inOrder(
    ['emma a_b%c'], ['Ada Adams'], ['émile durand', 'Émile Durand'], ['Olga ebbe'], ['Bea Ébert'], ['Ada Smith-Jones'],
    ['Zed Star*Man'], ['Ziggy Zola'], ['Ölaf 李'],
  );

  it('sorts last names with lower case among capitals and accented letters beside plain ones, the id breaking ties', async () => {
    const listed = named((await s.get(`/sales/contacts?${BY_COUNTRY}&sort=lastName&limit=50`)).body.data);
    expect(listed).to.deep.equal(ascendingByLastName());
  });

  it('sorts first names alike (Émile between Bea and Olga, Ölaf beside Olga)', async () => {
    const listed = named((await s.get(`/sales/contacts?${BY_COUNTRY}&sort=firstName,lastName&limit=50`)).body.data);
    expect(listed).to.deep.equal(inOrder(
      ['Ada Adams'], ['Ada Smith-Jones'], ['Bea Ébert'], ['émile durand', 'Émile Durand'], ['emma a_b%c'], ['Ölaf 李'], ['Olga ebbe'],
      ['Zed Star*Man'], ['Ziggy Zola'],
    ));
  });

  it('pages through the new order, either way, each contact once and none missing', async () => {
    for (const limit of [1, 2, 3]) {
      expect(named(await walk(s, '/sales/contacts', `${BY_COUNTRY}&sort=lastName`, limit)), `limit ${limit}`).to.deep.equal(ascendingByLastName());
      expect(named(await walk(s, '/sales/contacts', `${BY_COUNTRY}&sort=-lastName`, limit)), `limit ${limit}`).to.deep.equal(ascendingByLastName().reverse());
    }
  });

  describe('filter=lastName[gte]:…: text ranges compare as the sort does', () => {
    const inRange = (filter: string) => `filter=${encodeURIComponent(`and(country[eq]:"PT",${filter})`)}`;
    const ranged = async (filter: string) => named((await s.get(`/sales/contacts?${inRange(filter)}&sort=lastName&limit=50`)).body.data);
    const from = (first: string) => ascendingByLastName().slice(ascendingByLastName().indexOf(first));
    const before = (first: string) => ascendingByLastName().slice(0, ascendingByLastName().indexOf(first));

    it('keeps the rows sorted from the bound on, whatever the case and accents of either', async () => {
      const fromD = from(inOrder(['émile durand', 'Émile Durand'])[0]!);
      expect(await ranged('lastName[gte]:"d"')).to.deep.equal(fromD);
      expect(await ranged('lastName[gte]:"D"')).to.deep.equal(fromD);
      expect(await ranged('lastName[gt]:"DURAND"')).to.deep.equal(from('Olga ebbe')); // both Durands equal the bound
      expect(await ranged('lastName[gte]:"Ébbe"')).to.deep.equal(from('Olga ebbe'));
      expect(await ranged('lastName[lt]:"zola"')).to.deep.equal(before('Ziggy Zola'));
      expect(await ranged('lastName[lte]:"ZOLA"')).to.deep.equal(before('Ölaf 李'));
      expect(await ranged('and(lastName[gte]:"Durand",lastName[lt]:"smith")')).to.deep.equal(before('Ada Smith-Jones').filter((n) => fromD.includes(n)));
    });

    it('leaves eq exact: case and accents count there', async () => {
      expect(await ranged('lastName[eq]:"durand"')).to.deep.equal(['émile durand']);
    });

    it('pages through a range by cursor, either way, each contact once and none missing', async () => {
      const fromD = from(inOrder(['émile durand', 'Émile Durand'])[0]!);
      for (const limit of [1, 2, 3]) {
        expect(named(await walk(s, '/sales/contacts', `${inRange('lastName[gte]:"D"')}&sort=lastName`, limit)), `limit ${limit}`).to.deep.equal(fromD);
        expect(named(await walk(s, '/sales/contacts', `${inRange('lastName[gte]:"D"')}&sort=-lastName`, limit)), `limit ${limit}`).to.deep.equal([...fromD].reverse());
      }
    });

    it('reads a range from the index the sort reads', async () => {
      const { db } = s.server().readDb;
      const seen: string[] = [];
      const prepare = db.prepare;
      db.prepare = ((sql: string) => (seen.push(sql), prepare.call(db, sql))) as typeof db.prepare;
      try {
        const res = await s.get(`/sales/contacts?filter=${encodeURIComponent('and(lastName[gte]:"m",lastName[lt]:"t")')}&sort=lastName`);
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
      } finally {
        db.prepare = prepare;
      }
      const sql = seen.find((q) => q.includes('"last_name__key" >= ?'));
      expect(sql, seen.join('\n')).to.be.a('string');
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...sql!.split('?').slice(1).map(() => 'm')) as { detail: string }[];
      expect(plan.map((p) => p.detail).join('\n')).to.match(/SEARCH \S+ USING (COVERING )?INDEX \S+__last_name__key \(tenant_id=\? AND last_name__key>\? AND last_name__key<\?\)/);
    });
  });

  it('keeps the values as written in every read', async () => {
    const listed = (await s.get(`/sales/contacts?${BY_COUNTRY}&sort=lastName&limit=1`)).body.data[0] as Listed;
    expect([listed.firstName, listed.lastName]).to.deep.equal(['emma', 'a_b%c']);
  });
});

for (const path of ['/sales/contacts', '/sales/leads']) {
  describe(`GET ${path}?filter=email…: equality ignores the address's case, as its uniqueness does`, () => {
    const s = salesSession();
    let id = '';

    before(async () => {
      id = (await s.send('POST', path, { firstName: 'Ada', lastName: 'Lovelace', email: 'Ada.Case@Example.org' })).body.id;
      await s.send('POST', path, { firstName: 'Grace', lastName: 'Hopper', email: 'grace.case@example.org' });
    });

    const matching = async (filter: string): Promise<string[]> => {
      const res = await s.get(`${path}?filter=${encodeURIComponent(filter)}`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return (res.body.data as Listed[]).map((r) => r.id);
    };

    it('finds the record by eq and in whatever the case of the value or of the address as written', async () => {
      for (const filter of ['email[eq]:"ada.case@example.org"', 'email[eq]:"ADA.CASE@EXAMPLE.ORG"', 'email[in]:["Ada.Case@Example.org"]', 'email[in]:["x@example.org","aDA.cASE@example.ORG"]']) {
        expect(await matching(filter), filter).to.deep.equal([id]);
      }
      expect(await matching('email[startsWith]:"ADA.CASE@"')).to.deep.equal([id]);
    });

    it('leaves the record out by neq and not(), whatever the case', async () => {
      for (const filter of ['email[neq]:"ADA.case@example.org"', 'not(email[eq]:"ada.CASE@example.org")']) {
        const found = await matching(filter);
        expect(found, filter).to.have.length(1);
        expect(found, filter).not.to.include(id);
      }
    });

    it('reads the address as it was written', async () => {
      expect((await s.get(`${path}/${id}`)).body.email).to.equal('Ada.Case@Example.org');
      const listed = (await s.get(`${path}?filter=${encodeURIComponent('email[eq]:"ada.case@example.org"')}`)).body.data[0] as Listed;
      expect(listed.email).to.equal('Ada.Case@Example.org');
    });
  });
}
