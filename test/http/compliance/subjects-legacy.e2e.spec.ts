import { expect } from 'chai';
import { streamName } from '../../../src/events/log/stream-name.js';
import { isCiphertext } from '../../../src/events/personal-data/cipher.js';
import { rebuildProjections } from '../../support/projections.js';
import { appendAsStored, storedFixtures } from '../../events/personal-data/support.js';
import { salesSession } from '../sales/session.js';

// A contact (created, then its job title changed) and a lead, stored while city and job title were not personal.
const fixtures = storedFixtures('plaintext-person-fields');
const [contactId, , leadId] = fixtures.map((f) => f.metadata.aggregateId as string);
const [contactSubject, , leadSubject] = fixtures.map((f) => f.data.subjectId as string);
const filtered = (path: string, filter: string) => `${path}?sort=createdAt&limit=200&filter=${encodeURIComponent(filter)}`;

describe('POST /api/compliance/subjects/:subjectId/erase: people stored while their city and job title were plaintext', () => {
  const session = salesSession();
  const { server, send, get, reachedHead } = session;
  let converted: string;
  const rows = async () => [(await get('/sales/contacts?sort=createdAt&limit=200')).body.data, (await get('/sales/leads?sort=createdAt&limit=200')).body.data];
  before(async () => {
    await appendAsStored(server().store, server().keyStore, fixtures);
    await send('POST', '/sales/contacts', { firstName: 'Wendeline', lastName: 'Marsh', email: 'wendeline@example.org', city: 'Flensburg', jobTitle: 'Harbour Pilot' });
    await reachedHead();
  });

  it('reads them as written, from the read model and from the log, and filters on them', async () => {
    const record = { city: 'Flensburg', jobTitle: 'Senior Harbour Pilot', country: 'DK', firstName: 'Odalys', erasedFields: [] };
    expect((await get(`/sales/contacts/${contactId}`)).body).to.deep.include(record);
    expect((await get(`/sales/contacts/${contactId}?asOf=1`)).body).to.deep.include(record);
    const found = (await get(filtered('/sales/contacts', 'city[eq]:"Flensburg"'))).body.data.map((c: { id: string }) => c.id);
    expect(found).to.have.length(2).and.to.include(contactId);
    expect((await get(`/sales/leads/${leadId}`)).body).to.include({ jobTitle: 'Fleet Director', subjectId: leadSubject });
  });

  it('converts the old lead: the contact holds its job title encrypted, under the lead\'s subject', async () => {
    converted = (await send('POST', `/sales/leads/${leadId}/convert`, {})).body.contactId;
    expect((await get(`/sales/contacts/${converted}`)).body).to.include({ jobTitle: 'Fleet Director', subjectId: leadSubject });
    const [created] = await server().store.readStream(streamName('acme', 'sales.contact', converted));
    expect(isCiphertext((created!.data.fields as Record<string, unknown>).jobTitle)).to.equal(true);
  });

  it('after erasure reads them null and erased, from the read model and the log; a rebuild of every projection gives the same rows', async () => {
    for (const subject of [contactSubject, leadSubject]) {
      expect((await send('POST', `/api/compliance/subjects/${subject}/erase`, { reason: 'GDPR art. 17' })).status).to.equal(200);
    }
    await reachedHead();
    for (const path of [`/sales/contacts/${contactId}`, `/sales/contacts/${contactId}?asOf=1`]) {
      const { body } = await get(path);
      expect(body, path).to.include({ city: null, jobTitle: null, firstName: null, country: 'DK' });
      expect(body.erasedFields, path).to.include.members(['city', 'jobTitle', 'firstName']);
    }
    for (const path of [`/sales/leads/${leadId}`, `/sales/contacts/${converted}`]) expect((await get(path)).body, path).to.include({ jobTitle: null });
    const history = (await get(`/sales/contacts/${contactId}/history`)).body.data;
    expect(history.map((e: { erased: string[] }) => e.erased)).to.deep.equal([
      ['firstName', 'lastName', 'email', 'jobTitle', 'city'].map((f) => `fields.${f}`), ['changes.jobTitle'],
    ]);
    expect((await get(filtered('/sales/contacts', 'city[eq]:"Flensburg"'))).body.data).to.have.length(1);
    const before = await rows();
    await rebuildProjections(server());
    expect(await rows()).to.deep.equal(before);
  });
});
