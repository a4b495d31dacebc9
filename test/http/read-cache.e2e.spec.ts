import { expect } from 'chai';
import { salesSession } from './sales/session.js';

const LIST = `/sales/contacts?filter=${encodeURIComponent('country[eq]:"IS"')}&sort=lastName`;

describe('GET /sales/contacts and /sales/contacts/:id answered again from the read-model cache', () => {
  const s = salesSession();

  it('answers the same page twice, and a new one after any write: a create, an erasure', async () => {
    const ada = await s.send('POST', '/sales/contacts', { firstName: 'Ada', lastName: 'Byron', email: 'ada@cache.example', country: 'IS' });
    const first = await s.get(LIST);
    expect(first.headers.get('content-type')).to.match(/^application\/json/);
    expect((await s.get(LIST)).body).to.deep.equal(first.body);
    await s.send('POST', '/sales/contacts', { firstName: 'Bea', lastName: 'Adams', email: 'bea@cache.example', country: 'IS' });
    expect((await s.get(LIST)).body.data.map((c: { lastName: string }) => c.lastName)).to.deep.equal(['Adams', 'Byron']);

    const one = `/sales/contacts/${ada.body.id}`;
    expect((await s.get(one)).body.email).to.equal('ada@cache.example');
    const { subjectId } = (await s.get(one)).body;
    expect((await s.send('POST', `/api/compliance/subjects/${subjectId}/erase`, { reason: 'art. 17' })).status).to.be.lessThan(300);
    const erased = (await s.get(LIST)).body.data.find((c: { id: string }) => c.id === ada.body.id);
    expect(erased).to.include({ email: null, lastName: null });
    const read = await s.get(one);
    expect(read.body.email).to.equal(null);
    expect(read.headers.get('etag')).to.equal(`"${read.body.revision}"`);
  });

  it('never answers another tenant from a page cached for the first', async () => {
    const page = (await s.get(LIST)).body.data;
    expect(page).to.have.length(2);
    expect((await s.get(LIST, s.globex())).body.data).to.deep.equal([]);
    expect((await s.get(`/sales/contacts/${page[0].id}`)).status).to.equal(200);
    expect((await s.get(`/sales/contacts/${page[0].id}`, s.globex())).status).to.equal(404);
  });
});
