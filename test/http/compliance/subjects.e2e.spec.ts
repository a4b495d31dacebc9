import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../support/server.js';
import { call, tokenFor } from '../../support/http.js';

const grace = { firstName: 'Gracelyn', lastName: 'Hopperstein', email: 'gracelyn.h@example.org', phone: '+1 555 0100 777', city: 'Arlington' };

describe('POST /api/compliance/subjects/:subjectId/erase', () => {
  let server: TestServer;
  let admin: string;
  let id: string;
  let subjectId: string;
  before(async () => {
    server = await startTestServer();
    admin = await tokenFor(server, { tenantId: 'acme', actorId: 'dpo-1', roles: ['tenant_admin'] });
  });
  after(async () => server.dispose());
  beforeEach(async () => {
    id = (await call(server, 'POST', '/sales/contacts', { token: admin, body: grace })).body.id;
    await call(server, 'PATCH', `/sales/contacts/${id}`, { token: admin, body: { lastName: 'Hopperstein-Moore', jobTitle: 'Admiral' } });
    subjectId = (await call(server, 'GET', `/sales/contacts/${id}`, { token: admin })).body.subjectId;
  });
  const erase = (body: unknown = { reason: 'GDPR art. 17 request #7' }, token = admin) =>
    call(server, 'POST', `/api/compliance/subjects/${subjectId}/erase`, { token, body });

  it('answers who was erased, when, and the position of PersonalDataErased', async () => {
    const res = await erase();
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ subjectId, alreadyErased: false, revision: 0 });
    expect(res.body.position).to.be.a('number');
    expect((await erase()).body.alreadyErased).to.equal(true);
  });

  it('leaves the record readable: personal fields null and listed as erased, other facts intact', async () => {
    await erase();
    const record = (await call(server, 'GET', `/sales/contacts/${id}`, { token: admin })).body;
    expect(record).to.include({ firstName: null, lastName: null, email: null, phone: null, city: 'Arlington', jobTitle: 'Admiral', revision: 1 });
    expect(record.erasedFields).to.have.members(['firstName', 'lastName', 'email', 'phone']);
    const history = (await call(server, 'GET', `/sales/contacts/${id}/history`, { token: admin })).body.data;
    expect(history[1].data.changes).to.deep.equal({ lastName: null, jobTitle: 'Admiral' });
    expect(history[1].erased).to.deep.equal(['changes.lastName']);
  });

  it('refuses new personal data about the erased person (409 subject_erased) but not other changes', async () => {
    await erase();
    const refused = await call(server, 'PATCH', `/sales/contacts/${id}`, { token: admin, body: { firstName: 'Grace' } });
    expect([refused.status, refused.body.code]).to.deep.equal([409, 'subject_erased']);
    expect((await call(server, 'PATCH', `/sales/contacts/${id}`, { token: admin, body: { city: 'Boston' } })).status).to.equal(200);
  });

  it('leaves none of the person\'s values in any file under DATA_DIR (acceptance)', async () => {
    await erase();
    const bytes = Buffer.concat(readdirSync(server.dataDir).map((f) => readFileSync(join(server.dataDir, f))));
    expect(bytes.includes(Buffer.from('Arlington')), 'non-personal value present (the scan reads the data)').to.equal(true);
    for (const value of [...Object.values(grace).filter((v) => v !== 'Arlington'), 'Hopperstein-Moore']) {
      expect(bytes.includes(Buffer.from(value)), value).to.equal(false);
    }
  });

  it('refuses without a reason (400), for roles without the permission (403), and for a malformed subject (404)', async () => {
    expect((await erase({})).status).to.equal(400);
    const rep = await tokenFor(server, { tenantId: 'acme', actorId: 'rep', roles: ['sales_rep'] });
    expect((await erase(undefined, rep)).status).to.equal(403);
    expect((await call(server, 'POST', '/api/compliance/subjects/not-a-subject/erase', { token: admin, body: { reason: 'x y z' } })).status).to.equal(404);
    expect((await call(server, 'GET', `/sales/contacts/${id}`, { token: admin })).body.firstName).to.equal('Gracelyn');
  });
});
