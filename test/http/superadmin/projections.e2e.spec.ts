import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { call, tokenFor } from '../../support/http.js';

const CONTACTS = 60;

type Status = { name: string; version: number; status: string; checkpoint: number; lag: number; rebuild?: { generation: number } };

describe('/api/superadmin/projections', () => {
  let server: TestServer;
  let operator: string;
  let admin: string;
  let position = 0;
  const statuses = async (): Promise<Status[]> => (await call(server, 'GET', '/api/superadmin/projections', { token: operator })).body.data;
  const contacts = (token = admin, query = '') =>
    call(server, 'GET', `/sales/contacts?sort=lastName&limit=50${query}`, { token, headers: { 'Consistency-Position': String(position) } });

  before(async () => {
    server = await startTestServer();
    operator = await tokenFor(server, { tenantId: 'platform', actorId: 'op-1', roles: ['platform_admin'] });
    admin = await tokenFor(server, { tenantId: 'acme', actorId: 'user-admin', roles: ['tenant_admin'] });
    for (let i = 0; i < CONTACTS; i += 1) {
      const body = { firstName: `F${i}`, lastName: `L${String(i).padStart(3, '0')}`, email: `p${i}@example.org` };
      position = (await call(server, 'POST', '/sales/contacts', { token: admin, body })).body.position;
    }
  });
  after(async () => server.dispose());

  describe('GET /api/superadmin/projections', () => {
    it('shows each projector\'s version, status, checkpoint, lag and rate', async () => {
      await contacts();
      const [contactsStatus] = await statuses();
      expect(contactsStatus).to.include({ name: 'sales.contact', status: 'live', checkpoint: position, lag: 0 });
      expect(contactsStatus!.version).to.be.a('number');
      expect(contactsStatus).to.have.property('rate').that.is.a('number');
    });

    it('answers 403 to a tenant admin and 401 without a token', async () => {
      expect((await call(server, 'GET', '/api/superadmin/projections', { token: admin })).status).to.equal(403);
      expect((await call(server, 'GET', '/api/superadmin/projections')).status).to.equal(401);
    });
  });

  describe('POST /api/superadmin/projections/:name/rebuild', () => {
    it('answers 202, keeps full pages answering during the rebuild, then swaps to tables equal to the old ones', async () => {
      const before = await contacts();
      const started = await call(server, 'POST', '/api/superadmin/projections/sales.contact/rebuild', { token: operator });
      expect(started.status).to.equal(202);
      expect(started.body).to.include({ projection: 'sales.contact', status: 'rebuilding' });
      const pages = [];
      for (let i = 0; i < 200; i += 1) {
        pages.push(await contacts());
        const [status] = await statuses();
        if (status!.status === 'live' && status!.rebuild === undefined) break;
      }
      for (const page of pages) {
        expect(page.status).to.equal(200);
        expect(page.body.data.map((c: { id: string }) => c.id)).to.deep.equal(before.body.data.map((c: { id: string }) => c.id));
      }
      const [after] = await statuses();
      expect(after).to.include({ status: 'live', checkpoint: position });
      expect((await contacts()).body).to.deep.equal(before.body);
      const next = await contacts(admin, `&cursor=${before.body.page.nextCursor}`);
      expect(next.status, 'a cursor from before the swap still pages').to.equal(200);
      expect(next.body.data).to.have.length(CONTACTS - 50);
    });

    it('answers 404 for an unknown projection, 403 to a tenant admin and 400 to a body with fields', async () => {
      expect((await call(server, 'POST', '/api/superadmin/projections/nope/rebuild', { token: operator })).status).to.equal(404);
      expect((await call(server, 'POST', '/api/superadmin/projections/sales.contact/rebuild', { token: operator, body: { from: 5 } })).status).to.equal(400);
      expect((await call(server, 'POST', '/api/superadmin/projections/sales.contact/rebuild', { token: admin })).status).to.equal(403);
    });
  });

  describe('the projections.rebuild job (reporting jobs)', () => {
    it('asks every API process through the log; this one rebuilds and goes on serving new writes', async () => {
      const before = server.projections.physicalTable('sales.contact', 'sales_contact');
      await server.jobs.enqueue('projections.rebuild', { name: 'sales.contact', reason: 'monthly report' }, { id: 'rebuild-contacts-1' });
      for (let i = 0; i < 100 && server.projections.physicalTable('sales.contact', 'sales_contact') === before; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(server.projections.physicalTable('sales.contact', 'sales_contact')).not.to.equal(before);
      expect((await server.jobs.get('projections.rebuild', 'rebuild-contacts-1'))?.state).to.equal('completed');
      const requests = await server.store.readStream('platform/platform.projection/sales-contact');
      expect(requests.map((e) => [e.type, e.data])).to.deep.equal([['ProjectionRebuildRequested', { name: 'sales.contact', reason: 'monthly report' }]]);
      const body = { firstName: 'After', lastName: 'Rebuild', email: 'after@example.org' };
      position = (await call(server, 'POST', '/sales/contacts', { token: admin, body })).body.position;
      const found = await contacts(admin, '&filter=lastName[eq]:"Rebuild"');
      expect(found.body.data.map((c: { firstName: string }) => c.firstName)).to.deep.equal(['After']);
      const [after] = await statuses();
      expect(after).to.include({ status: 'live', checkpoint: position });
    });
  });
});
