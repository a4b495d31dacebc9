import { expect } from 'chai';
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

  it('refuses tenant admins (403), an unknown organization (404) and a missing reason (400)', async () => {
    const { admin } = await seed('hooli', 0);
    expect((await offboard('hooli', admin)).status).to.equal(403);
    expect((await offboard('nowhere')).status).to.equal(404);
    expect((await offboard('hooli', session.platform(), {})).status).to.equal(400);
    expect((await call(session.server(), 'GET', '/api/superadmin/organizations/hooli/offboarding-certificate', { token: session.platform() })).status).to.equal(404);
  });
});
