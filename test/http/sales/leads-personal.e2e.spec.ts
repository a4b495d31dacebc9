import { expect } from 'chai';
import { streamName } from '../../../src/events/log/stream-name.js';
import { isCiphertext } from '../../../src/events/personal-data/cipher.js';
import { salesSession } from './session.js';
import { bytesOfFiles } from '../../support/data-files.js';

const tamsin = { firstName: 'Tamsinelle', lastName: 'Oakhurst', email: 'tamsinelle@example.org', company: 'Oakhurst Ferries', jobTitle: 'Chief Lighthouse Keeper' };

describe('POST /sales/leads/:id/convert: the job title is personal data', () => {
  const session = salesSession();
  const { server, send, get, reachedHead } = session;
  /** Every byte of the files under DATA_DIR whose name starts with `prefix` (`-wal` and `-shm` included). */
  const bytesOf = (prefix: string): Buffer => bytesOfFiles(server().dataDir, (name) => name.startsWith(prefix));
  let leadId: string;
  let contactId: string;
  let subjectId: string;
  before(async () => {
    leadId = (await send('POST', '/sales/leads', tamsin)).body.id;
    contactId = (await send('POST', `/sales/leads/${leadId}/convert`, {})).body.contactId;
    subjectId = (await get(`/sales/leads/${leadId}`)).body.subjectId;
  });

  it('keeps the lead\'s job title encrypted in the log, and the contact\'s, under the lead\'s subject', async () => {
    expect((await get(`/sales/leads/${leadId}`)).body).to.include({ jobTitle: tamsin.jobTitle });
    expect((await get(`/sales/contacts/${contactId}`)).body).to.include({ jobTitle: tamsin.jobTitle, subjectId });
    const [created] = await server().store.readStream(streamName('acme', 'sales.contact', contactId));
    expect(isCiphertext((created!.data.fields as Record<string, unknown>).jobTitle)).to.equal(true);
    expect(created!.metadata.personalData).to.deep.include({ subjects: [subjectId] });
    expect(bytesOf('events.db').includes(Buffer.from(tamsin.jobTitle))).to.equal(false);
  });

  it('after the subject\'s erasure reads it null and erased on both, in reads, lists, exports and history, and in no file', async () => {
    expect((await send('POST', `/api/compliance/subjects/${subjectId}/erase`, { reason: 'GDPR art. 17' })).status).to.equal(200);
    await reachedHead();
    for (const path of [`/sales/leads/${leadId}`, `/sales/contacts/${contactId}`, `/sales/leads/${leadId}?asOf=0`]) {
      const { body } = await get(path);
      expect(body, path).to.include({ firstName: null, jobTitle: null });
      expect(body.erasedFields, path).to.include('jobTitle');
    }
    const [row] = (await get(`/sales/leads?filter=${encodeURIComponent(`id[eq]:"${leadId}"`)}`)).body.data;
    expect([row.jobTitle, row.company]).to.deep.equal([null, tamsin.company]);
    const exported = (await get(`/sales/contacts/export?format=jsonl&filter=${encodeURIComponent(`id[eq]:"${contactId}"`)}`)).body;
    expect(exported).to.include({ jobTitle: null }).and.to.have.property('erasedFields').that.includes('jobTitle');
    const [created] = (await get(`/sales/leads/${leadId}/history`)).body.data;
    expect([created.data.fields.jobTitle, created.erased]).to.deep.equal([null, ['firstName', 'lastName', 'email', 'jobTitle'].map((f) => `fields.${f}`)]);
    const bytes = Buffer.concat([bytesOf('events.db'), bytesOf('read.db')]);
    expect(bytes.includes(Buffer.from(tamsin.company)), 'non-personal value present (the scan reads the data)').to.equal(true);
    for (const value of [tamsin.firstName, tamsin.email, tamsin.jobTitle]) expect(bytes.includes(Buffer.from(value)), value).to.equal(false);
  });
});
