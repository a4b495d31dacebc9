import { expect } from 'chai';
import { streamName } from '../../../src/events/log/stream-name.js';
import { isCiphertext } from '../../../src/events/personal-data/cipher.js';
import { appendAsOldVersion } from '../../events/personal-data/support.js';
import { auditExport } from '../../support/audit.js';
import { bytesOfFiles } from '../../support/data-files.js';
import { call } from '../../support/http.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { createTenant, createUserIn } from '../../support/tenant.js';

describe('POST /api/admin/users/:id/deactivate: the reason is personal data of the user', () => {
  let server: TestServer;
  let admin: string;
  before(async () => {
    server = await startTestServer();
    admin = await createTenant(server, 'acme');
  });
  after(async () => server.dispose());
  const get = async (path: string) => {
    const res = await call(server, 'GET', path, { token: admin });
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).to.equal(200);
    return res.body;
  };
  const erase = async (subjectId: string) =>
    expect((await call(server, 'POST', `/api/compliance/subjects/${subjectId}/erase`, { token: admin, body: { reason: 'GDPR art. 17' } })).status).to.equal(200);

  /** The reason of the user's `UserDeactivated` at `revision` as each reader answers it, and what the history lists as erased. */
  const readsOf = async (userId: string, revision: number) => {
    const ours = (e: { recordId?: string; revision: number }) => (e.recordId ?? userId) === userId && e.revision === revision;
    const entry = (await get(`/api/admin/users/${userId}/history`)).data.find(ours);
    const access = (await get(`/api/compliance/subjects/${userId}/export`)).records.find((r: { id: string }) => r.id === userId);
    return {
      history: entry.data.reason,
      access: access.events.find(ours).data.reason,
      audit: (await get('/api/audit/events?type=UserDeactivated')).data.find(ours).data.reason,
      auditExport: (await auditExport(server, admin, 'type=UserDeactivated')).find(ours).data.reason,
      erased: entry.erased,
    };
  };
  const asWritten = (reason: string) => ({ history: reason, access: reason, audit: reason, auditExport: reason, erased: [] });
  const erased = { history: null, access: null, audit: null, auditExport: null, erased: ['reason'] };

  describe('a deactivation now', () => {
    const reason = 'Signed off sick: burnout after the Oswaldtwistle merger';
    let userId: string;
    let revision: number;
    before(async () => {
      userId = await createUserIn(server, admin, 'winifred@acme.example', ['sales_rep']);
      const res = await call(server, 'POST', `/api/admin/users/${userId}/deactivate`, { token: admin, body: { reason } });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      revision = res.body.revision;
    });

    it('stores the reason encrypted under the user\'s subject, never in plaintext in events.db', async () => {
      const [, deactivated] = await server.store.readStream(streamName('acme', 'admin.user', userId));
      expect([deactivated!.type, deactivated!.data.subjectId, isCiphertext(deactivated!.data.reason)]).to.deep.equal(['UserDeactivated', userId, true]);
      expect(deactivated!.metadata.personalData).to.deep.equal({ subjects: [userId], fields: ['reason'] });
      expect(bytesOfFiles(server.dataDir, (name) => name.startsWith('events.db')).includes(Buffer.from('Oswaldtwistle'))).to.equal(false);
    });

    it('reads it back before the erasure (history, subject access, audit), null and erased after it', async () => {
      expect(await readsOf(userId, revision)).to.deep.equal(asWritten(reason));
      await erase(userId);
      expect(await readsOf(userId, revision)).to.deep.equal(erased);
    });
  });

  it('reads a reason an older version stored in plaintext (no subject id) as written, then null and erased once the user is erased', async () => {
    const userId = await createUserIn(server, admin, 'ambrose@acme.example', ['sales_rep']);
    const reason = 'Left after the Kettlewell grievance';
    await appendAsOldVersion(server.store, streamName('acme', 'admin.user', userId), 'UserDeactivated', { reason, deactivatedAt: new Date().toISOString() });
    expect(await readsOf(userId, 1)).to.deep.equal(asWritten(reason));
    await erase(userId);
    expect(await readsOf(userId, 1)).to.deep.equal(erased);
  });

  it('refuses to deactivate an erased user with a reason about them (409 subject_erased): the erasure closed the account already', async () => {
    const userId = await createUserIn(server, admin, 'cedric@acme.example', ['sales_rep']);
    await erase(userId);
    const refused = await call(server, 'POST', `/api/admin/users/${userId}/deactivate`, { token: admin, body: { reason: 'Cedric asked us to' } });
    expect([refused.status, refused.body.code]).to.deep.equal([409, 'subject_erased']);
    expect(await server.store.readStream(streamName('acme', 'admin.user', userId))).to.have.length(1);
    expect((await get(`/api/admin/users/${userId}`)).status).to.equal('deactivated');
  });

  it('GET /api/compliance/classification classes admin.user\'s reason personal and encrypted; an organization\'s and an API client\'s stay internal', async () => {
    const { data } = await get('/api/compliance/classification');
    const fieldsOf = (recordType: string) => data.find((r: { recordType: string }) => r.recordType === recordType).fields as Array<{ field: string; encrypted: boolean }>;
    expect(fieldsOf('admin.user')).to.deep.include({ field: 'reason', class: 'personal', encrypted: true });
    for (const recordType of ['admin.organization', 'admin.client']) expect(fieldsOf(recordType).filter((f) => f.encrypted).map((f) => f.field), recordType).to.deep.equal([]);
  });
});
