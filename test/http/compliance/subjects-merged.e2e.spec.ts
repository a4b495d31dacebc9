import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { eraseSubject, subjectAggregate } from '../../../src/commands/compliance/subject.js';
import { handleCommand } from '../../../src/commands/handle.js';
import { call } from '../../support/http.js';
import { complianceSession, type Person } from './session.js';
import { bytesOfFiles } from '../../support/data-files.js';

type Values = { firstName: string; lastName: string; email: string; phone: string };

let people = 0;
/** A person's values, unique to this spec and to each call, so a scan of DATA_DIR finds only theirs. */
const someone = (name: string): Values => {
  people += 1;
  const email = `${name.toLowerCase()}.${people}@merged.example`;
  return { firstName: `${name}ine${people}`, lastName: `Mergewood${people}x`, email, phone: `+44 20 7946 ${1000 + people}` };
};

/** The bytes of the log's and the read model's files (their WAL and shared memory included). */
const storedBytes = (dataDir: string): Buffer => bytesOfFiles(dataDir, (name) => /^(events|read)\.db/.test(name));

describe('POST /api/compliance/subjects/:subjectId/erase (contacts merged)', () => {
  const session = complianceSession();
  const send = async (method: string, path: string, body?: unknown) => {
    const res = await call(session.server(), method, path, { token: session.admin(), body });
    expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).to.be.below(300);
    return res.body;
  };
  const head = async () => ({ 'Consistency-Position': String(await session.server().store.headPosition()) });
  const get = async (path: string) => (await call(session.server(), 'GET', path, { token: session.admin(), headers: await head() })).body;
  const merge = (survivor: Person, loser: Person) => send('POST', `/sales/contacts/${survivor.id}/merge`, { loserId: loser.id });
  const erase = (subjectId: string) => send('POST', `/api/compliance/subjects/${subjectId}/erase`, { reason: 'GDPR art. 17 request #31' });
  const person = (values: Values) => session.person(values);
  const personalOf = async (id: string) => {
    const { firstName, lastName, email, phone, erasedFields } = await get(`/sales/contacts/${id}`);
    return { firstName, lastName, email, phone, erased: [...erasedFields].sort() };
  };
  const nothingOf = { firstName: null, lastName: null, email: null, phone: null, erased: ['email', 'firstName', 'lastName', 'phone'] };

  it('of the survivor erases the merged-away duplicate too: its fields read null in reads, lists, exports and history, and no file holds them', async () => {
    const [adaValues, dupValues] = [someone('Ada'), someone('Dup')];
    const ada = await session.person({ firstName: adaValues.firstName, lastName: adaValues.lastName, email: adaValues.email });
    const dup = await person(dupValues);
    const linkedTo = { type: 'contact', id: dup.id };
    const note = await send('POST', '/sales/activities', { kind: 'note', subject: `Called ${dupValues.lastName}`, notes: `Asked ${dupValues.email}`, linkedTo });
    await merge(ada, dup);
    expect((await personalOf(ada.id)).phone, 'the survivor took the duplicate\'s phone').to.equal(dupValues.phone);
    const { certificate } = await erase(ada.subjectId);
    expect(certificate.subjects).to.deep.equal([ada.subjectId, dup.subjectId]);
    const records = [['sales.contact', ada.id], ['sales.contact', dup.id], ['sales.activity', note.id]].map(([recordType, id]) => ({ recordType, id }));
    expect(certificate.records).to.deep.include.members(records);
    expect(await personalOf(dup.id)).to.deep.equal(nothingOf);
    const filter = encodeURIComponent(`id[eq]:"${dup.id}"`);
    const [listed] = (await get(`/sales/contacts?filter=${filter}`)).data;
    expect(listed).to.include({ firstName: null, email: null, phone: null, mergedInto: ada.id });
    const headers = { Authorization: `Bearer ${session.admin()}`, ...(await head()) };
    const exported = await fetch(`${session.server().url}/sales/contacts/export?format=jsonl&filter=${filter}`, { headers });
    expect(JSON.parse((await exported.text()).trim())).to.include({ firstName: null, lastName: null, email: null, phone: null });
    const history = (await get(`/sales/contacts/${dup.id}/history`)).data;
    expect(history[0].data.fields).to.include({ firstName: null, email: null, phone: null });
    expect((await get(`/sales/activities/${note.id}`))).to.include({ subject: null, notes: null });
    const bytes = storedBytes(session.server().dataDir);
    for (const value of [...Object.values(dupValues), ...Object.values(adaValues)]) {
      expect(bytes.includes(Buffer.from(value)), value).to.equal(false);
    }
  });

  it('of the merged-away duplicate erases the survivor too (one person, and it may hold the duplicate\'s values); a repeat on either answers its kept certificate', async () => {
    const ada = await person(someone('Ada'));
    const dup = await person(someone('Dup'));
    await merge(ada, dup);
    const first = await erase(dup.subjectId);
    expect(first).to.include({ alreadyErased: false });
    expect(first.certificate).to.include({ subjectId: dup.subjectId });
    expect(first.certificate.subjects).to.deep.equal([dup.subjectId, ada.subjectId]);
    expect(await personalOf(ada.id)).to.deep.equal(nothingOf);
    const survivors = await erase(ada.subjectId);
    expect(survivors).to.include({ alreadyErased: true });
    expect(survivors.certificate).to.include({ subjectId: ada.subjectId });
    expect(survivors.certificate.subjects).to.deep.equal(first.certificate.subjects);
    expect(await get(`/api/compliance/subjects/${ada.subjectId}/erasure-certificate`)).to.deep.equal(survivors.certificate);
    expect((await erase(dup.subjectId)).certificate).to.deep.equal(first.certificate);
  });

  it('follows chains of merges both ways: C into B, B into A, A into Z; erasing B erases all four', async () => {
    const [a, b, c, z] = [await person(someone('A')), await person(someone('B')), await person(someone('C')), await person(someone('Z'))];
    await merge(b, c);
    await merge(a, b);
    await merge(z, a);
    const { certificate } = await erase(b.subjectId);
    expect(certificate.subjects).to.have.members([a, b, c, z].map((p) => p.subjectId));
    for (const p of [a, b, c, z]) expect(await personalOf(p.id), p.id).to.deep.equal(nothingOf);
  });

  it('completes an erasure that covered one of them alone (kept before erasures followed merges), renewing its certificate', async () => {
    const ada = await person(someone('Ada'));
    const dup = await person(someone('Dup'));
    await merge(ada, dup);
    const server = session.server();
    const context = { tenantId: 'acme', actorId: 'dpo-0', commandId: randomUUID(), correlationId: 'c-old', now: new Date() };
    const old = await eraseSubject(server, { subjectId: dup.subjectId, reason: 'GDPR art. 17 request #30', context });
    const kept = {
      certificateId: randomUUID(), tenantId: 'acme', subjectId: dup.subjectId, erasedAt: old.erasedAt.toISOString(), erasedBy: 'dpo-0',
      reason: 'GDPR art. 17 request #30', certifiedAt: old.erasedAt.toISOString(), records: [{ recordType: 'sales.contact', id: dup.id }],
      readModels: { scrubbed: [], pending: [] }, jobsRemoved: 0,
    };
    await handleCommand(server, subjectAggregate, { id: dup.subjectId, command: { type: 'CertifyErasure', certificate: kept }, context: { ...context, commandId: kept.certificateId } });
    expect((await personalOf(ada.id)).firstName).to.be.a('string');
    const again = await erase(dup.subjectId);
    expect(again).to.include({ alreadyErased: false });
    expect(again.certificate).to.include({ subjectId: dup.subjectId, erasedBy: 'dpo-0', reason: 'GDPR art. 17 request #30' });
    expect(again.certificate.subjects).to.deep.equal([dup.subjectId, ada.subjectId]);
    expect(await personalOf(ada.id)).to.deep.equal(nothingOf);
    const repeat = await erase(dup.subjectId);
    expect(repeat).to.deep.include({ alreadyErased: true, certificate: again.certificate });
  });
});

describe('GET /api/compliance/subjects/:subjectId/export (contacts merged)', () => {
  const session = complianceSession();
  const send = async (path: string, body: unknown) => {
    const res = await call(session.server(), 'POST', path, { token: session.admin(), body });
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).to.be.below(300);
    return res.body;
  };
  const exportOf = async (subjectId: string) => {
    const res = await call(session.server(), 'GET', `/api/compliance/subjects/${subjectId}/export`, { token: session.admin() });
    expect(res.status).to.equal(200);
    return res.body;
  };

  it('of either subject holds both contacts, their activities, consents and meetings attended, and names the other subject', async () => {
    const [adaValues, dupValues] = [someone('Ada'), someone('Dup')];
    const ada = await session.person(adaValues);
    const dup = await session.person(dupValues);
    await send(`/api/compliance/subjects/${dup.subjectId}/consents`, { purpose: 'calls', status: 'withdrawn', source: 'phone' });
    const note = await send('/sales/activities', { kind: 'note', subject: 'Asked for a callback', linkedTo: { type: 'contact', id: dup.id } });
    const deal = await send('/sales/opportunities', { name: 'Merged deal' });
    const meeting = await send('/sales/activities', {
      kind: 'meeting', subject: 'Kick-off', startsAt: '2027-03-01T09:00:00.000Z', linkedTo: { type: 'opportunity', id: deal.id }, attendees: [{ type: 'contact', id: dup.id }],
    });
    await send(`/sales/contacts/${ada.id}/merge`, { loserId: dup.id });
    const survivors = await exportOf(ada.subjectId);
    expect(survivors.mergedSubjects).to.deep.equal([{ subjectId: dup.subjectId, erased: false, erasures: [] }]);
    const ids = survivors.records.map((r: { recordType: string; id: string }) => `${r.recordType}/${r.id}`);
    expect(ids).to.include.members([`sales.contact/${ada.id}`, `sales.contact/${dup.id}`, `sales.activity/${note.id}`, `compliance.consent/${dup.subjectId}`]);
    const dupRecord = survivors.records.find((r: { id: string }) => r.id === dup.id);
    expect(dupRecord.state).to.include({ ...dupValues, mergedInto: ada.id });
    expect(survivors.attended.map((a: { id: string }) => a.id)).to.deep.equal([meeting.id]);
    const losers = await exportOf(dup.subjectId);
    expect(losers.mergedSubjects.map((s: { subjectId: string }) => s.subjectId)).to.deep.equal([ada.subjectId]);
    expect(losers.records.map((r: { id: string }) => r.id)).to.include.members([ada.id, dup.id, note.id]);
    await send(`/api/compliance/subjects/${ada.subjectId}/erase`, { reason: 'GDPR art. 17 request #32' });
    const erased = await exportOf(ada.subjectId);
    expect(erased.mergedSubjects).to.have.length(1);
    expect(erased.mergedSubjects[0]).to.include({ subjectId: dup.subjectId, erased: true });
    expect(erased.mergedSubjects[0].erasures).to.have.length(1);
    expect(JSON.stringify(erased)).not.to.contain(dupValues.email);
  });
});

describe('the retention sweeper (contacts merged)', () => {
  const session = complianceSession();
  const MONTH = 31 * 24 * 3_600_000;
  const send = async (method: string, path: string, body?: unknown) => {
    const res = await call(session.server(), method, path, { token: session.admin(), body });
    expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).to.be.below(300);
    return res.body;
  };
  const pair = async (survivorCountry: string, loserCountry: string) => {
    const [survivor, loser] = [await session.person({ ...someone('Kept'), country: survivorCountry }), await session.person({ ...someone('Dup'), country: loserCountry })];
    await send('POST', `/sales/contacts/${survivor.id}/merge`, { loserId: loser.id });
    return { survivor, loser };
  };
  const erased = async (p: Person) => (await send('GET', `/sales/contacts/${p.id}`)).firstName === null;

  it('erases with an expired contact those merged into it, never the contact an expired duplicate was merged into', async () => {
    const gone = await pair('KE', 'GH');
    const expiring = await pair('EE', 'ES');
    await send('PUT', '/api/compliance/retention-policies/gone', { recordType: 'sales.contact', filter: 'country[eq]:"GH"', olderThan: 'P24M' });
    await send('PUT', '/api/compliance/retention-policies/expiring', { recordType: 'sales.contact', filter: 'country[eq]:"EE"', olderThan: 'P24M' });
    const jobs = session.server().jobs;
    await jobs.enqueue('compliance.retention-sweep', { tenantId: 'acme', sweepId: 'sweep-merged', now: new Date(Date.now() + 25 * MONTH).toISOString() }, { id: 'sweep-merged' });
    for (let i = 0; i < 500 && (await jobs.get('compliance.retention-sweep', 'sweep-merged'))?.state !== 'completed'; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect([await erased(gone.loser), await erased(gone.survivor)]).to.deep.equal([true, false]);
    expect([await erased(expiring.survivor), await erased(expiring.loser)]).to.deep.equal([true, true]);
  });

  it('keeps an expired contact, and whoever was merged into it, while a record of the merged person is outside every policy (skipped, nothing erased)', async () => {
    const [survivor, loser] = [await session.person({ ...someone('Kept'), country: 'SK' }), await session.person({ ...someone('Dup'), country: 'LK' })];
    const note = (await send('POST', '/sales/activities', { kind: 'note', subject: 'About the duplicate', linkedTo: { type: 'contact', id: loser.id } })).id;
    await send('POST', `/sales/contacts/${survivor.id}/merge`, { loserId: loser.id });
    await send('PUT', '/api/compliance/retention-policies/kept', { recordType: 'sales.contact', filter: 'country[eq]:"SK"', olderThan: 'P24M' });
    const jobs = session.server().jobs;
    await jobs.enqueue('compliance.retention-sweep', { tenantId: 'acme', sweepId: 'sweep-kept', now: new Date(Date.now() + 25 * MONTH).toISOString() }, { id: 'sweep-kept' });
    for (let i = 0; i < 500 && (await jobs.get('compliance.retention-sweep', 'sweep-kept'))?.state !== 'completed'; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    const kept = (await send('GET', '/api/compliance/retention-policies')).lastSweep.policies.find((p: { policyId: string }) => p.policyId === 'kept');
    expect(kept.skipped.map((r: { id: string; reason: string }) => [r.id, r.reason])).to.deep.equal([[survivor.id, 'subject_shared']]);
    expect([await erased(survivor), await erased(loser), (await send('GET', `/sales/activities/${note}`)).subject]).to.deep.equal([false, false, 'About the duplicate']);
  });
});
