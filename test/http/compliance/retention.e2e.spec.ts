import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { call, tokenFor } from '../../support/http.js';
import { complianceSession } from './session.js';

const MONTH = 31 * 24 * 3_600_000;
const policy = { recordType: 'sales.contact', filter: 'status[eq]:"archived"', olderThan: 'P24M' };

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
    const sweep = async (sweepId: string, now: Date) => {
      await session.server().jobs.enqueue('compliance.retention-sweep', { tenantId: 'acme', sweepId, now: now.toISOString() }, { id: sweepId });
      for (let i = 0; i < 500; i += 1) {
        const job = await session.server().jobs.get('compliance.retention-sweep', sweepId);
        if (job?.state === 'completed') return (await list()).body.lastSweep;
        if (job?.state === 'failed') throw new Error(job.failedReason);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error('the sweep did not finish');
    };
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
