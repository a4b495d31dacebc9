import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../support/server.js';
import { call, tokenFor } from '../../support/http.js';
import { rebuildProjections } from '../../support/projections.js';
import { complianceSession } from './session.js';
import { filesUnder } from '../../support/data-files.js';

const grace = { firstName: 'Gracelyn', lastName: 'Hopperstein', email: 'gracelyn.h@example.org', phone: '+1 555 0100 777', city: 'Arlington' };
/** Facts that are not about the person: they stay after the erasure. */
const facts = { country: 'US', tags: ['fleet-reserve'] };
const HOUR = 3_600_000;


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
  let people = 0;
  beforeEach(async () => {
    // A fresh email each time: a test that erases nobody leaves its contact holding it.
    const body = { ...grace, ...facts, email: `grace.${(people += 1)}@example.org` };
    id = (await call(server, 'POST', '/sales/contacts', { token: admin, body })).body.id;
    await call(server, 'PATCH', `/sales/contacts/${id}`, { token: admin, body: { lastName: 'Hopperstein-Moore', jobTitle: 'Admiral' } });
    subjectId = (await call(server, 'GET', `/sales/contacts/${id}`, { token: admin })).body.subjectId;
  });
  const erase = (body: unknown = { reason: 'GDPR art. 17 request #7' }, token = admin) =>
    call(server, 'POST', `/api/compliance/subjects/${subjectId}/erase`, { token, body });

  it('answers who was erased, when, and an erasure certificate; a repeat answers the same certificate', async () => {
    const res = await erase();
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ subjectId, alreadyErased: false });
    expect(res.body.position).to.be.a('number');
    expect(res.body.certificate).to.deep.include({
      tenantId: 'acme', subjectId, erasedBy: 'dpo-1', reason: 'GDPR art. 17 request #7', erasedAt: res.body.erasedAt,
      records: [{ recordType: 'sales.contact', id }], jobsRemoved: 0,
    });
    expect(res.body.certificate.readModels.scrubbed).to.include('sales.contact');
    expect(res.body.certificate.readModels.pending).to.deep.equal([]);
    const again = await erase({ reason: 'again, later' });
    expect(again.body).to.deep.include({ alreadyErased: true, certificate: res.body.certificate });
  });

  it('removes the queued jobs naming the subject and counts them in the certificate', async () => {
    const job = (tag: string, data: Record<string, string>) =>
      server.jobs.enqueue('compliance.retention-sweep', { tenantId: 'acme', sweepId: tag, ...data }, { id: tag, delayMs: HOUR });
    await job(`naming-${id}`, { subjectId });
    await job(`other-${id}`, { subjectId: 'someone-else' });
    expect((await erase()).body.certificate.jobsRemoved).to.equal(1);
    expect(await server.jobs.get('compliance.retention-sweep', `naming-${id}`)).to.equal(undefined);
    expect(await server.jobs.remove(`other-${id}`)).to.equal(true);
  });

  it('leaves the record readable: personal fields null and listed as erased, other facts intact', async () => {
    await erase();
    const record = (await call(server, 'GET', `/sales/contacts/${id}`, { token: admin })).body;
    const personal = { firstName: null, lastName: null, email: null, phone: null, city: null, jobTitle: null };
    expect(record).to.include({ ...personal, country: 'US', revision: 1 });
    expect(record.tags).to.deep.equal(facts.tags);
    expect(record.erasedFields).to.have.members(Object.keys(personal));
    const created = (await call(server, 'GET', `/sales/contacts/${id}?asOf=0`, { token: admin })).body;
    expect(created).to.include({ firstName: null, lastName: null, city: null, country: 'US', revision: 0 });
    expect(created.erasedFields).to.have.members(['firstName', 'lastName', 'email', 'phone', 'city']);
    const history = (await call(server, 'GET', `/sales/contacts/${id}/history`, { token: admin })).body.data;
    expect(history[0].data.fields).to.include({ city: null, country: 'US' });
    expect(history[1].data.changes).to.deep.equal({ lastName: null, jobTitle: null });
    expect(history[1].erased).to.deep.equal(['changes.lastName', 'changes.jobTitle']);
    const head = String(await server.store.headPosition());
    const exported = await fetch(`${server.url}/sales/contacts/export?format=jsonl&filter=${encodeURIComponent(`id[eq]:"${id}"`)}`, {
      headers: { Authorization: `Bearer ${admin}`, 'Consistency-Position': head },
    });
    const [line] = (await exported.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(line).to.include({ firstName: null, email: null, city: null, jobTitle: null, country: 'US' });
    expect(line.erasedFields).to.have.members(Object.keys(personal));
  });

  it('scrubs the city and job title from the list\'s columns and search: no filter or search finds them', async () => {
    await erase();
    const head = String(await server.store.headPosition());
    const list = async (query: string) =>
      (await call(server, 'GET', `/sales/contacts?${query}`, { token: admin, headers: { 'Consistency-Position': head } })).body.data.map((c: { id: string }) => c.id);
    expect(await list(`filter=${encodeURIComponent(`id[eq]:"${id}"`)}`)).to.deep.equal([id]);
    expect(await list(`filter=${encodeURIComponent('city[eq]:"Arlington"')}`)).not.to.include(id);
    expect(await list(`filter=${encodeURIComponent('jobTitle[eq]:"Admiral"')}`)).not.to.include(id);
    expect(await list(`filter=${encodeURIComponent(`and(id[eq]:"${id}",city[is]:null)`)}`)).to.deep.equal([id]);
    expect(await list('q=Arlington')).not.to.include(id);
    expect(await list('q=Admiral')).not.to.include(id);
  });

  it('refuses new personal data about the erased person (409 subject_erased) but not other changes', async () => {
    await erase();
    const refused = await call(server, 'PATCH', `/sales/contacts/${id}`, { token: admin, body: { firstName: 'Grace' } });
    expect([refused.status, refused.body.code]).to.deep.equal([409, 'subject_erased']);
    for (const personal of [{ city: 'Boston' }, { jobTitle: 'Commodore' }]) {
      const again = await call(server, 'PATCH', `/sales/contacts/${id}`, { token: admin, body: personal });
      expect([again.status, again.body.code]).to.deep.equal([409, 'subject_erased']);
    }
    expect((await call(server, 'PATCH', `/sales/contacts/${id}`, { token: admin, body: { country: 'GB' } })).status).to.equal(200);
  });

  it('refuses without a reason (400), for roles without the permission (403), and for a malformed subject (404)', async () => {
    expect((await erase({})).status).to.equal(400);
    const rep = await tokenFor(server, { tenantId: 'acme', actorId: 'rep', roles: ['sales_rep'] });
    expect((await erase(undefined, rep)).status).to.equal(403);
    expect((await call(server, 'POST', '/api/compliance/subjects/not-a-subject/erase', { token: admin, body: { reason: 'x y z' } })).status).to.equal(404);
    expect((await call(server, 'GET', `/sales/contacts/${id}`, { token: admin })).body.firstName).to.equal('Gracelyn');
  });

  it('answers 404 for a subject of another organization, or none at all, writing nothing anywhere', async () => {
    const globex = await tokenFor(server, { tenantId: 'globex', actorId: 'dpo-g', roles: ['tenant_admin'] });
    const before = await server.store.headPosition();
    const theirs = await call(server, 'POST', `/api/compliance/subjects/${subjectId}/erase`, { token: globex, body: { reason: 'GDPR art. 17 request #8' } });
    expect([theirs.status, theirs.body.code]).to.deep.equal([404, 'not_found']);
    const nobody = await call(server, 'POST', '/api/compliance/subjects/01a2504c-29ea-7f14-8695-caddd1e8f013/erase', { token: admin, body: { reason: 'GDPR art. 17 request #9' } });
    expect(nobody.status).to.equal(404);
    expect(await server.store.headPosition()).to.equal(before);
    expect(server.keyStore.isErased('globex', subjectId)).to.equal(false);
    expect((await call(server, 'GET', `/sales/contacts/${id}`, { token: admin })).body.firstName).to.equal('Gracelyn');
  });

  describe('GET /api/compliance/subjects/:subjectId/erasure-certificate', () => {
    it('answers the kept certificate to compliance readers, 404 before an erasure, 403 to others', async () => {
      const auditor = await tokenFor(server, { tenantId: 'acme', actorId: 'aud-1', roles: ['auditor'] });
      const path = `/api/compliance/subjects/${subjectId}/erasure-certificate`;
      expect((await call(server, 'GET', path, { token: auditor })).status).to.equal(404);
      const { certificate } = (await erase()).body;
      expect((await call(server, 'GET', path, { token: auditor })).body).to.deep.equal(certificate);
      const other = await tokenFor(server, { tenantId: 'globex', actorId: 'aud-2', roles: ['auditor'] });
      expect((await call(server, 'GET', path, { token: other })).status).to.equal(404);
      const rep = await tokenFor(server, { tenantId: 'acme', actorId: 'rep', roles: ['sales_rep'] });
      expect((await call(server, 'GET', path, { token: rep })).status).to.equal(403);
    });
  });

  describe('acceptance (issue 7)', () => {
    const nonPersonal = async () =>
      (await call(server, 'GET', '/sales/contacts?sort=createdAt&limit=200', { token: admin })).body.data.map(
        (c: Record<string, unknown>) => [c.id, c.city, c.jobTitle, c.country, c.tags, c.revision, c.firstName, c.erasedFields],
      );

    it('leaves none of the person\'s values in any file under DATA_DIR (logs included), and a full rebuild gives the same results', async () => {
      // Every contact of the suite holds the same person's values: erase them all.
      const all = (await call(server, 'GET', '/sales/contacts?limit=200', { token: admin })).body.data;
      for (const contact of all) await call(server, 'POST', `/api/compliance/subjects/${contact.subjectId}/erase`, { token: admin, body: { reason: 'GDPR art. 17' } });
      const before = await nonPersonal();
      writeFileSync(join(server.dataDir, 'server.log'), server.logs.join(''));
      const names = await rebuildProjections(server);
      expect(names).to.include('sales.contact');
      expect(await nonPersonal()).to.deep.equal(before);
      const files = filesUnder(server.dataDir);
      expect(files.map((f) => f.slice(server.dataDir.length + 1))).to.include.members(['events.db', 'keys.db', 'read.db', 'audit.db', 'identity.db', 'server.log']);
      const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
      expect(bytes.includes(Buffer.from(facts.tags[0]!)), 'non-personal value present (the scan reads the data)').to.equal(true);
      for (const value of [...Object.values(grace), 'Hopperstein-Moore', 'Admiral']) {
        expect(bytes.includes(Buffer.from(value)), value).to.equal(false);
      }
    });
  });
});

describe('POST /api/compliance/subjects/:subjectId/erase with BullMQ (REDIS_URL)', () => {
  const session = complianceSession({ REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });

  it('removes the jobs in Redis naming the subject and counts them in the certificate', async () => {
    const [server, admin] = [session.server(), session.admin()];
    const { id, subjectId } = await session.person(grace);
    expect(server.jobs.kind).to.equal('bullmq');
    await server.jobs.enqueue('compliance.retention-sweep', { tenantId: 'acme', sweepId: 'x', subjectId }, { id: `naming-${id}`, delayMs: HOUR });
    const res = await call(server, 'POST', `/api/compliance/subjects/${subjectId}/erase`, { token: admin, body: { reason: 'GDPR art. 17' } });
    expect(res.body.certificate.jobsRemoved).to.equal(1);
    expect(await server.jobs.get('compliance.retention-sweep', `naming-${id}`)).to.equal(undefined);
  });
});
