import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { call, tokenFor } from '../../support/http.js';
import { complianceSession } from '../compliance/session.js';

const org = (slug: string) => ({ name: `Org ${slug}`, slug, admin: { email: `boss@${slug}.example`, password: 'long enough password', name: 'Bertha Boss' } });

describe('POST /api/superadmin/organizations/:id/offboard', () => {
  const session = complianceSession();
  const offboard = (slug: string, token = session.platform(), body: unknown = { reason: 'contract ended, ticket #12' }) =>
    call(session.server(), 'POST', `/api/superadmin/organizations/${slug}/offboard`, { token, body });
  const seed = async (slug: string, people: number) => {
    await call(session.server(), 'POST', '/api/superadmin/organizations', { token: session.platform(), body: org(slug) });
    const admin = await tokenFor(session.server(), { tenantId: slug, actorId: `${slug}-admin`, roles: ['tenant_admin'] });
    const ids: string[] = [];
    for (let i = 0; i < people; i += 1) {
      const body = { firstName: `Pat${i}`, lastName: `Person${i}`, email: `pat${i}@${slug}.example`, city: 'Springfield' };
      ids.push((await call(session.server(), 'POST', '/sales/contacts', { token: admin, body })).body.id);
    }
    return { admin, ids };
  };

  it('suspends the organization, erases every subject of its tenant and answers a certificate with counts', async () => {
    const { ids } = await seed('initech', 3);
    const other = await seed('vandelay', 1);
    const res = await offboard('initech');
    expect(res.status).to.equal(200);
    // Three contacts and the first admin user.
    expect(res.body).to.deep.include({ alreadyOffboarded: false });
    expect(res.body.certificate).to.include({ organizationId: 'initech', offboardedBy: 'root', subjects: 4, subjectsErased: 4, subjectsAlreadyErased: 0 });
    expect((await call(session.server(), 'GET', '/api/superadmin/organizations/initech', { token: session.platform() })).body.status).to.equal('suspended');
    for (const id of ids) {
      const subjectId = (await session.server().store.readStream(`initech/sales.contact/${id}`))[0]!.data.subjectId as string;
      expect(session.server().keyStore.isErased('initech', subjectId), id).to.equal(true);
    }
    const untouched = await call(session.server(), 'GET', `/sales/contacts/${other.ids[0]}`, { token: other.admin });
    expect(untouched.body.firstName).to.equal('Pat0');
  });

  it('counts a subject erased with the contact it was merged into as erased by the offboarding', async () => {
    const { admin, ids } = await seed('merged-co', 2);
    expect((await call(session.server(), 'POST', `/sales/contacts/${ids[0]}/merge`, { token: admin, body: { loserId: ids[1] } })).status).to.equal(200);
    const res = await offboard('merged-co');
    expect(res.body.certificate).to.include({ subjects: 3, subjectsErased: 3, subjectsAlreadyErased: 0 });
  });

  it('is idempotent: a repeat answers the kept certificate; GET …/offboarding-certificate reads it', async () => {
    await seed('globex', 1);
    const first = await offboard('globex');
    const again = await offboard('globex', session.platform(), { reason: 'again' });
    expect(again.body).to.deep.equal({ alreadyOffboarded: true, certificate: first.body.certificate });
    const kept = await call(session.server(), 'GET', '/api/superadmin/organizations/globex/offboarding-certificate', { token: session.platform() });
    expect(kept.body).to.deep.equal(first.body.certificate);
  });

  it('leaves the organization closed for good: a reactivation is a 409 organization_offboarded and it stays suspended', async () => {
    await seed('umbrella', 1);
    await offboard('umbrella');
    const reactivated = await call(session.server(), 'POST', '/api/superadmin/organizations/umbrella/reactivate', { token: session.platform() });
    expect([reactivated.status, reactivated.body.code]).to.deep.equal([409, 'organization_offboarded']);
    expect((await call(session.server(), 'GET', '/api/superadmin/organizations/umbrella', { token: session.platform() })).body.status).to.equal('suspended');
    expect((await session.server().store.readStream('platform/admin.organization/umbrella')).map((e) => e.type)).to.not.include('OrganizationReactivated');
  });

  describe('while it runs (started, its erasure not finished)', () => {
    const reactivate = (slug: string) => call(session.server(), 'POST', `/api/superadmin/organizations/${slug}/reactivate`, { token: session.platform() });
    const statusOf = async (slug: string) => (await call(session.server(), 'GET', `/api/superadmin/organizations/${slug}`, { token: session.platform() })).body.status;
    const typesIn = async (stream: string) => (await session.server().store.readStream(stream)).map((e) => e.type);

    /** Stores the start as an offboarding that stopped right after it (and after suspending) would have left it. */
    const interruptedOffboarding = async (slug: string) => {
      expect((await call(session.server(), 'POST', `/api/superadmin/organizations/${slug}/suspend`, { token: session.platform(), body: { reason: 'offboarding' } })).status).to.equal(200);
      const metadata = { tenantId: 'platform', actorId: 'root', commandId: randomUUID(), correlationId: randomUUID(), occurredAt: new Date().toISOString() };
      const data = { organizationId: slug, startedAt: new Date().toISOString() };
      await session.server().store.append(`platform/compliance.offboarding/${slug}`, [{ id: randomUUID(), type: 'OrganizationOffboardingStarted', schemaVersion: 1, data, metadata }]);
    };

    it('records its start before erasing anything, with ids and a time only', async () => {
      const { ids } = await seed('soylent', 1);
      await offboard('soylent');
      const [started, done] = await session.server().store.readStream('platform/compliance.offboarding/soylent');
      expect([started!.type, done!.type]).to.deep.equal(['OrganizationOffboardingStarted', 'OrganizationOffboarded']);
      expect(Object.keys(started!.data).sort()).to.deep.equal(['organizationId', 'startedAt']);
      const subjectId = (await session.server().store.readStream(`soylent/sales.contact/${ids[0]}`))[0]!.data.subjectId as string;
      const [erased] = await session.server().store.readStream(`soylent/compliance.subject/${subjectId}`);
      const [, suspended] = await session.server().store.readStream('platform/admin.organization/soylent');
      expect([erased!.type, suspended!.type]).to.deep.equal(['PersonalDataErased', 'OrganizationSuspended']);
      expect(started!.position < suspended!.position && suspended!.position < erased!.position).to.equal(true);
    });

    it('refuses a reactivation (409 organization_offboarding), which changes nothing; offboarding it again finishes it, started once', async () => {
      await seed('tyrell', 1);
      await interruptedOffboarding('tyrell');
      const refused = await reactivate('tyrell');
      expect([refused.status, refused.body.code]).to.deep.equal([409, 'organization_offboarding']);
      expect(await statusOf('tyrell')).to.equal('suspended');
      const finished = await offboard('tyrell');
      expect([finished.status, finished.body.alreadyOffboarded, finished.body.certificate.subjectsErased]).to.deep.equal([200, false, 2]);
      expect(await typesIn('platform/compliance.offboarding/tyrell')).to.deep.equal(['OrganizationOffboardingStarted', 'OrganizationOffboarded']);
      expect((await reactivate('tyrell')).body.code).to.equal('organization_offboarded');
      expect(await typesIn('platform/admin.organization/tyrell')).to.not.include('OrganizationReactivated');
    });

    it('refuses a reactivation sent while the erasure runs: the organization ends suspended', async () => {
      await seed('wonka', 20);
      const running = offboard('wonka');
      while (!(await typesIn('platform/admin.organization/wonka')).includes('OrganizationSuspended')) await new Promise((r) => setTimeout(r, 2));
      const refused = await reactivate('wonka');
      expect((await running).status).to.equal(200);
      expect([refused.status, refused.body.code]).to.deep.equal([409, 'organization_offboarding']);
      expect(await statusOf('wonka')).to.equal('suspended');
      expect(await typesIn('platform/admin.organization/wonka')).to.not.include('OrganizationReactivated');
    });
  });

  it('kills the outstanding invitation and reset links of the organization\'s users: each is refused as a used link', async () => {
    const created = await call(session.server(), 'POST', '/api/superadmin/organizations', { token: session.platform(), body: org('cyberdyne') });
    const admin = await tokenFor(session.server(), { tenantId: 'cyberdyne', actorId: 'cyberdyne-admin', roles: ['tenant_admin'] });
    const invited = await call(session.server(), 'POST', '/api/admin/users/invite', { token: admin, body: { email: 'miles@cyberdyne.example', name: 'Miles', roles: ['sales_rep'] } });
    const reset = await call(session.server(), 'POST', `/api/admin/users/${created.body.adminUserId}/reset-password`, { token: admin });
    expect([invited.status, reset.status]).to.deep.equal([201, 201]);
    await offboard('cyberdyne');
    for (const path of [invited.body.path, reset.body.path]) {
      const res = await call(session.server(), 'POST', path, { body: { password: 'a password of my own' } });
      expect([res.status, res.body.code], path).to.deep.equal([400, 'token_invalid']);
    }
  });

  it('refuses a reason of whitespace only (422 reason_required) before starting anything', async () => {
    await seed('blanks', 1);
    const res = await offboard('blanks', session.platform(), { reason: '   ' });
    expect([res.status, res.body.code]).to.deep.equal([422, 'reason_required']);
    expect((await call(session.server(), 'GET', '/api/superadmin/organizations/blanks', { token: session.platform() })).body.status).to.equal('active');
    expect(await session.server().store.readStream('platform/compliance.offboarding/blanks')).to.deep.equal([]);
  });

  it('refuses tenant admins (403), an unknown organization (404) and a missing reason (400)', async () => {
    const { admin } = await seed('hooli', 0);
    expect((await offboard('hooli', admin)).status).to.equal(403);
    expect((await offboard('nowhere')).status).to.equal(404);
    expect((await offboard('hooli', session.platform(), {})).status).to.equal(400);
    expect((await call(session.server(), 'GET', '/api/superadmin/organizations/hooli/offboarding-certificate', { token: session.platform() })).status).to.equal(404);
  });
});
