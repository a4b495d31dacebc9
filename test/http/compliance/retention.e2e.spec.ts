import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { call, tokenFor } from '../../support/http.js';
import { complianceSession, type ComplianceSession } from './session.js';

const MONTH = 31 * 24 * 3_600_000;
const policy = { recordType: 'sales.contact', filter: 'status[eq]:"archived"', olderThan: 'P24M' };

/** Runs a sweep of `acme` at `now` as the job would, and answers what it recorded (the list's `lastSweep`). */
const sweepOf = (session: ComplianceSession) => async (sweepId: string, now: Date) => {
  await session.server().jobs.enqueue('compliance.retention-sweep', { tenantId: 'acme', sweepId, now: now.toISOString() }, { id: sweepId });
  for (let i = 0; i < 500; i += 1) {
    const job = await session.server().jobs.get('compliance.retention-sweep', sweepId);
    if (job?.state === 'completed') return (await call(session.server(), 'GET', '/api/compliance/retention-policies', { token: session.admin() })).body.lastSweep;
    if (job?.state === 'failed') throw new Error(job.failedReason);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the sweep did not finish');
};

describe('/api/compliance/retention-policies', () => {
  const session = complianceSession();
  const put = (id: string, body: unknown, token = session.admin()) => call(session.server(), 'PUT', `/api/compliance/retention-policies/${id}`, { token, body });
  const list = () => call(session.server(), 'GET', '/api/compliance/retention-policies', { token: session.admin() });

  describe('PUT /:policyId, GET /, DELETE /:policyId', () => {
    it('keeps policies in the tenant configuration; setting the same policy again records nothing', async () => {
      const first = await put('old-archived-contacts', policy);
      expect(first.status).to.equal(200);
      expect((await put('old-archived-contacts', policy)).body.revision).to.equal(first.body.revision);
      expect((await list()).body.data).to.deep.equal([{ policyId: 'old-archived-contacts', ...policy }]);
      expect((await call(session.server(), 'DELETE', '/api/compliance/retention-policies/old-archived-contacts', { token: session.admin() })).status).to.equal(200);
      expect((await list()).body.data).to.deep.equal([]);
    });

    it('refuses an unknown record type, a filter the list refuses, a malformed duration (400) and non-admins (403)', async () => {
      expect((await put('p', { ...policy, recordType: 'sales.unicorn' })).body.code).to.equal('unknown_record_type');
      expect((await put('p', { ...policy, filter: 'password[eq]:"x"' })).body.code).to.equal('invalid_filter');
      expect((await put('p', { ...policy, olderThan: '24 months' })).body.code).to.equal('invalid_duration');
      const rep = await tokenFor(session.server(), { tenantId: 'acme', actorId: 'rep', roles: ['sales_rep'] });
      expect((await put('p', policy, rep)).status).to.equal(403);
      expect((await call(session.server(), 'DELETE', '/api/compliance/retention-policies/absent', { token: session.admin() })).status).to.equal(404);
    });
  });

  describe('the retention sweeper (job compliance.retention-sweep)', () => {
    const contact = async (n: number, archived: boolean) => {
      const person = await session.person({ firstName: `Keeper${n}`, lastName: `Retained${n}`, email: `person${n}@example.org`, city: `City${n}` });
      if (archived) await call(session.server(), 'POST', `/sales/contacts/${person.id}/archive`, { token: session.admin(), body: {} });
      return person;
    };
    const sweep = sweepOf(session);
    const erased = async (c: { id: string }) => (await call(session.server(), 'GET', `/sales/contacts/${c.id}`, { token: session.admin() })).body.firstName === null;

    it('with the clock moved past the limit, erases exactly the records the policy names and records what it did', async () => {
      const archived = [await contact(1, true), await contact(2, true)];
      const kept = [await contact(3, false), await contact(4, false)];
      await put('old-archived-contacts', policy);
      const early = await sweep('sweep-early', new Date(Date.now() + 23 * MONTH));
      expect(early.policies[0]).to.include({ policyId: 'old-archived-contacts', subjectsErased: 0 });
      expect(early.policies[0].records).to.deep.equal([]);
      const late = await sweep('sweep-late', new Date(Date.now() + 25 * MONTH));
      expect(late.sweepId).to.equal('sweep-late');
      expect(late.policies[0]).to.include({ recordType: 'sales.contact', subjectsErased: 2, subjectsAlreadyErased: 0 });
      expect(late.policies[0].records).to.have.members(archived.map((c) => c.id));
      for (const c of archived) expect(await erased(c), c.id).to.equal(true);
      for (const c of kept) expect(await erased(c), c.id).to.equal(false);
      const certificate = await call(session.server(), 'GET', `/api/compliance/subjects/${archived[0]!.subjectId}/erasure-certificate`, { token: session.admin() });
      expect(certificate.body).to.include({ reason: 'retention policy old-archived-contacts', erasedBy: 'system:retention-sweeper' });
    });

    it('is idempotent: a rerun erases nothing twice, and POST /sweep enqueues a sweep (202)', async () => {
      const again = await sweep('sweep-again', new Date(Date.now() + 25 * MONTH));
      expect(again.policies[0]).to.include({ subjectsErased: 0, subjectsAlreadyErased: 2 });
      const started = await call(session.server(), 'POST', '/api/compliance/retention-policies/sweep', { token: session.admin() });
      expect(started.status).to.equal(202);
      expect(started.body.sweepId).to.match(/^retention-sweep\.acme\./);
      const unknown = await call(session.server(), 'POST', '/api/compliance/retention-policies/sweep', { token: session.admin(), body: { now: '2031-01-01T00:00:00Z' } });
      expect([unknown.status, unknown.body.code]).to.deep.equal([400, 'validation_failed']);
    });
  });
});

describe('the retention sweeper with BullMQ (REDIS_URL)', () => {
  const session = complianceSession({ REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });

  it('is consumed by the API process itself (the worker leaves API-hosted kinds alone)', async () => {
    const sweepId = `sweep-bullmq-${randomUUID()}`;
    const server = session.server();
    expect(server.jobs.kind).to.equal('bullmq');
    await call(server, 'PUT', '/api/compliance/retention-policies/old-archived-contacts', { token: session.admin(), body: policy });
    await server.jobs.enqueue('compliance.retention-sweep', { tenantId: 'acme', sweepId }, { id: sweepId });
    let state: string | undefined;
    for (let i = 0; i < 250 && state !== 'completed' && state !== 'failed'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      state = (await server.jobs.get('compliance.retention-sweep', sweepId))?.state;
    }
    expect(state).to.equal('completed');
    const listed = await call(server, 'GET', '/api/compliance/retention-policies', { token: session.admin() });
    expect(listed.body.lastSweep).to.include({ sweepId });
  });
});

describe('retention policies and the people their records are about', () => {
  const session = complianceSession();
  const send = (method: string, path: string, body?: unknown) => call(session.server(), method, path, { token: session.admin(), ...(body === undefined ? {} : { body }) });
  const put = (id: string, body: unknown) => send('PUT', `/api/compliance/retention-policies/${id}`, body);
  const sweep = sweepOf(session);
  const tomorrow = () => new Date(Date.now() + 24 * 3_600_000);
  const policyIn = (sweepAnswer: { policies: Array<{ policyId: string }> }, policyId: string) => sweepAnswer.policies.find((p) => p.policyId === policyId);

  describe('PUT /api/compliance/retention-policies/:policyId', () => {
    it('refuses a filter naming a personal field (422 personal_field_in_filter): the filter would stay readable in the log after an erasure', async () => {
      const refused = [
        await put('by-name', { recordType: 'sales.contact', filter: 'lastName[eq]:"Firstperson"', olderThan: 'P1Y' }),
        await put('nested', { recordType: 'sales.contact', filter: 'and(status[eq]:"archived",not(email[startsWith]:"first"))', olderThan: 'P1Y' }),
        await put('lead-email', { recordType: 'sales.lead', filter: 'or(source[eq]:"web",email[is]:not_null)', olderThan: 'P1Y' }),
      ];
      expect(refused.map((r) => [r.status, r.body.code, r.body.fields])).to.deep.equal([
        [422, 'personal_field_in_filter', ['lastName']], [422, 'personal_field_in_filter', ['email']], [422, 'personal_field_in_filter', ['email']],
      ]);
      expect((await put('by-country', { recordType: 'sales.contact', filter: 'country[eq]:"FR"', olderThan: 'P1Y' })).status).to.equal(200);
      expect((await send('GET', '/api/compliance/retention-policies')).body.data.map((p: { policyId: string }) => p.policyId)).to.deep.equal(['by-country']);
      expect((await send('DELETE', '/api/compliance/retention-policies/by-country')).status).to.equal(200);
    });

    it('refuses a record type that holds no personal data (422 no_personal_data): such a policy would erase nothing', async () => {
      const refused = [await put('deals', { recordType: 'sales.opportunity', olderThan: 'P1Y' }), await put('companies', { recordType: 'sales.account', olderThan: 'P1Y' })];
      expect(refused.map((r) => [r.status, r.body.code])).to.deep.equal([[422, 'no_personal_data'], [422, 'no_personal_data']]);
      expect((await send('GET', '/api/compliance/retention-policies')).body.data).to.deep.equal([]);
    });
  });

  describe('the retention sweeper (job compliance.retention-sweep)', () => {
    const readName = async (path: string, field: string) => (await send('GET', path)).body[field];

    it("erases an activity of its own subject, but not one about a contact still kept: that contact's person is skipped as subject_shared", async () => {
      const ada = await session.person({ firstName: 'Ada', lastName: 'Firstperson', email: 'ada.kept@example.org' });
      const account = (await send('POST', '/sales/accounts', { name: 'Engines Ltd' })).body.id;
      const aboutAda = (await send('POST', '/sales/activities', { kind: 'note', subject: 'Ada called', linkedTo: { type: 'contact', id: ada.id } })).body.id;
      const aboutAccount = (await send('POST', '/sales/activities', { kind: 'note', subject: 'Account note', linkedTo: { type: 'account', id: account } })).body.id;
      expect((await put('old-notes', { recordType: 'sales.activity', filter: 'kind[eq]:"note"', olderThan: 'P0D' })).status).to.equal(200);
      const swept = policyIn(await sweep('sweep-notes', tomorrow()), 'old-notes') as any;
      expect(swept).to.include({ subjectsErased: 1, subjectsAlreadyErased: 0 });
      expect(swept.records).to.have.members([aboutAda, aboutAccount]);
      expect(swept.skipped).to.deep.equal([
        { recordType: 'sales.activity', id: aboutAda, subjectId: ada.subjectId, reason: 'subject_shared', sharedWith: [{ recordType: 'sales.contact', id: ada.id }] },
      ]);
      expect([await readName(`/sales/contacts/${ada.id}`, 'firstName'), await readName(`/sales/contacts/${ada.id}`, 'email')]).to.deep.equal(['Ada', 'ada.kept@example.org']);
      expect(await readName(`/sales/activities/${aboutAda}`, 'subject')).to.equal('Ada called');
      expect(await readName(`/sales/activities/${aboutAccount}`, 'subject')).to.equal(null);
      expect((await send('POST', `/api/compliance/subjects/${ada.subjectId}/erase`, { reason: 'art. 17 request #1' })).status).to.equal(200);
      const after = policyIn(await sweep('sweep-notes-after-erasure', tomorrow()), 'old-notes');
      expect(after, 'a person erased already is no longer skipped').to.deep.include({ subjectsErased: 0, subjectsAlreadyErased: 2, skipped: [] });
      expect((await send('DELETE', '/api/compliance/retention-policies/old-notes')).status).to.equal(200);
    });

    it('keeps the contact a converted lead became; once every record of the person is selected, erases the person', async () => {
      const lead = (await send('POST', '/sales/leads', { firstName: 'Grace', lastName: 'Convert', email: 'grace.convert@example.org', company: 'Compilers Inc' })).body.id;
      const converted = await send('POST', `/sales/leads/${lead}/convert`, { opportunity: { name: 'Compilers', amount: { amount: 1_000, currency: 'EUR' } } });
      const contact = converted.body.contactId as string;
      const subjectId = await readName(`/sales/contacts/${contact}`, 'subjectId');
      expect((await put('converted-leads', { recordType: 'sales.lead', filter: 'leadStatus[eq]:"converted"', olderThan: 'P0D' })).status).to.equal(200);
      const first = policyIn(await sweep('sweep-leads', tomorrow()), 'converted-leads') as any;
      expect(first).to.include({ subjectsErased: 0, subjectsAlreadyErased: 0 });
      expect(first.skipped).to.deep.equal([{ recordType: 'sales.lead', id: lead, subjectId, reason: 'subject_shared', sharedWith: [{ recordType: 'sales.contact', id: contact }] }]);
      expect(await readName(`/sales/contacts/${contact}`, 'firstName')).to.equal('Grace');
      expect(await readName(`/sales/leads/${lead}`, 'firstName')).to.equal('Grace');

      expect((await send('POST', `/sales/contacts/${contact}/archive`, {})).status).to.equal(200);
      expect((await put('archived-contacts', { recordType: 'sales.contact', filter: 'status[eq]:"archived"', olderThan: 'P0D' })).status).to.equal(200);
      const second = await sweep('sweep-leads-and-contacts', tomorrow());
      expect(policyIn(second, 'converted-leads')).to.deep.include({ subjectsErased: 1, skipped: [] });
      expect(policyIn(second, 'archived-contacts')).to.deep.include({ records: [contact], subjectsErased: 0, subjectsAlreadyErased: 1, skipped: [] });
      expect([await readName(`/sales/contacts/${contact}`, 'firstName'), await readName(`/sales/leads/${lead}`, 'firstName')]).to.deep.equal([null, null]);
    });
  });
});
