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
