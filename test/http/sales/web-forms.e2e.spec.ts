import { expect } from 'chai';
import { startTestServer, type TestServer } from '../../support/server.js';
import { call, tokenFor } from '../../support/http.js';

const visitor = { firstName: 'Mary', lastName: 'Jackson', email: 'mary@nasa.example' };

describe('/api/admin/forms', () => {
  let server: TestServer;
  let admin: string;
  let globex: string;
  let rep: string;
  let reader: string;
  before(async () => {
    server = await startTestServer();
    admin = await tokenFor(server, { tenantId: 'acme', actorId: 'user-admin', roles: ['tenant_admin'] });
    globex = await tokenFor(server, { tenantId: 'globex', actorId: 'globex-admin', roles: ['tenant_admin'] });
    rep = await tokenFor(server, { tenantId: 'acme', actorId: 'rep-1', roles: ['sales_rep'] });
    const role = await call(server, 'POST', '/api/admin/roles', { token: admin, body: { name: 'form_reader', grants: [{ permission: 'admin.forms:read', scope: 'all' }] } });
    expect(role.status).to.equal(201);
    reader = await tokenFor(server, { tenantId: 'acme', actorId: 'reader-1', roles: ['form_reader'] });
    const grants = (scope: string) => ['create', 'read', 'update'].map((action) => ({ permission: `admin.forms:${action}`, scope }));
    for (const [name, scope] of [['form_owner', 'own'], ['form_manager', 'all']] as const) {
      expect((await call(server, 'POST', '/api/admin/roles', { token: admin, body: { name, grants: grants(scope) } })).status).to.equal(201);
    }
  });
  after(async () => server.dispose());

  const newForm = async (name: string, token = admin): Promise<string> => {
    const res = await call(server, 'POST', '/api/admin/forms', { token, body: { name } });
    expect(res.status).to.equal(201);
    return res.body.formKey as string;
  };
  const fresh = async () => ({ 'Consistency-Position': String(await server.store.headPosition()) });
  const list = async (token: string, query = '') => call(server, 'GET', `/api/admin/forms${query}`, { token, headers: await fresh() });
  const submit = (formKey: string) => call(server, 'POST', `/api/public/forms/${formKey}/leads`, { body: { ...visitor, website: '' } });

  describe('POST /api/admin/forms', () => {
    it('refuses a name that is empty or whitespace only (400 validation_failed at /name), as an account\'s, writing nothing', async () => {
      const before = await server.store.headPosition();
      for (const name of ['', '   ', '\t\n']) {
        const res = await call(server, 'POST', '/api/admin/forms', { token: admin, body: { name } });
        expect([res.status, res.body.code, res.body.errors?.[0]?.pointer], JSON.stringify(name)).to.deep.equal([400, 'validation_failed', '/name']);
      }
      expect(await server.store.headPosition()).to.equal(before);
    });
  });

  describe('GET /api/admin/forms', () => {
    it("lists the tenant's forms by id, enabled and disabled alike, a page at a time; never another tenant's", async () => {
      const keys = [await newForm('Contact us'), await newForm('Newsletter'), await newForm('Demo request')];
      const theirs = await newForm('Globex contact', globex);
      await call(server, 'POST', `/api/admin/forms/${keys[1]}/disable`, { token: admin });
      const all = await list(admin, '?limit=200');
      expect(all.status).to.equal(200);
      const mine = (all.body.data as Array<{ formKey: string }>).filter((f) => keys.includes(f.formKey));
      expect(mine).to.deep.equal([...keys].sort().map((formKey) => ({
        formKey, name: ({ [keys[0]!]: 'Contact us', [keys[1]!]: 'Newsletter', [keys[2]!]: 'Demo request' })[formKey], ownerId: 'user-admin',
        status: formKey === keys[1] ? 'disabled' : 'enabled',
      })));
      expect(all.body.data.map((f: { formKey: string }) => f.formKey)).to.not.include(theirs);
      expect(all.body.data.every((f: { formKey: string }) => f.formKey.startsWith('acme.'))).to.equal(true);
      expect(all.body.page).to.deep.equal({ nextCursor: null });
      const theirList = await list(globex);
      expect(theirList.body.data.map((f: { formKey: string }) => f.formKey)).to.deep.equal([theirs]);
    });

    it('pages with limit and cursor; a cursor of another tenant, a bad limit or an unknown parameter is a 400', async () => {
      for (const name of ['A', 'B', 'C']) await newForm(name);
      const first = await list(admin, '?limit=2');
      expect([first.status, first.body.data.length]).to.deep.equal([200, 2]);
      const second = await list(admin, `?limit=2&cursor=${encodeURIComponent(first.body.page.nextCursor)}`);
      expect(second.status).to.equal(200);
      const everything = (await list(admin, '?limit=200')).body.data.map((f: { formKey: string }) => f.formKey);
      expect([...first.body.data, ...second.body.data].map((f: { formKey: string }) => f.formKey)).to.deep.equal(everything.slice(0, 4));
      const foreign = await list(globex, `?limit=2&cursor=${encodeURIComponent(first.body.page.nextCursor)}`);
      expect([foreign.status, foreign.body.code]).to.deep.equal([400, 'invalid_cursor']);
      expect((await list(admin, '?limit=0')).body.code).to.equal('invalid_limit');
      expect((await list(admin, '?status=enabled')).body.code).to.equal('invalid_query');
    });

    it('needs admin.forms:read (403 otherwise)', async () => {
      expect((await list(rep)).status).to.equal(403);
      expect((await list(reader)).status).to.equal(200);
    });
  });

  describe('admin.forms grants scoped to the actor\'s own forms', () => {
    let owner: string;
    let other: string;
    let manager: string;
    let ownerKeys: string[];
    let otherKey: string;
    let adminKey: string;
    before(async () => {
      owner = await tokenFor(server, { tenantId: 'acme', actorId: 'owner-1', roles: ['form_owner'] });
      other = await tokenFor(server, { tenantId: 'acme', actorId: 'owner-2', roles: ['form_owner'] });
      manager = await tokenFor(server, { tenantId: 'acme', actorId: 'manager-1', roles: ['form_manager'] });
      ownerKeys = [await newForm('Owner A', owner), await newForm('Owner B', owner), await newForm('Owner C', owner)].sort();
      otherKey = await newForm('Other', other);
      adminKey = await newForm('Admin', admin);
    });
    const keysOf = (res: { body: { data: Array<{ formKey: string }> } }) => res.body.data.map((f) => f.formKey);
    const post = (key: string, action: 'disable' | 'enable', token: string) => call(server, 'POST', `/api/admin/forms/${key}/${action}`, { token });
    const statusOf = async (key: string) => (await call(server, 'GET', `/api/admin/forms/${key}`, { token: admin })).body.status as string;

    it('GET /api/admin/forms lists only their own forms, page by page; an `all` grant and a tenant admin still list every form', async () => {
      const mine = await list(owner, '?limit=200');
      expect([mine.status, keysOf(mine)]).to.deep.equal([200, ownerKeys]);
      expect(mine.body.data.every((f: { ownerId: string }) => f.ownerId === 'owner-1')).to.equal(true);
      const first = await list(owner, '?limit=2');
      const second = await list(owner, `?limit=2&cursor=${encodeURIComponent(first.body.page.nextCursor)}`);
      expect([...keysOf(first), ...keysOf(second)]).to.deep.equal(ownerKeys);
      expect(second.body.page.nextCursor).to.equal(null);
      expect(keysOf(await list(other, '?limit=200'))).to.deep.equal([otherKey]);
      for (const token of [manager, reader, admin]) {
        expect(keysOf(await list(token, '?limit=200'))).to.include.members([...ownerKeys, otherKey, adminKey]);
      }
    });

    it("GET /api/admin/forms/:formKey answers 404 for another's form, as a record's read does; an `all` grant reads it", async () => {
      const own = await call(server, 'GET', `/api/admin/forms/${ownerKeys[0]}`, { token: owner });
      expect([own.status, own.body.ownerId]).to.deep.equal([200, 'owner-1']);
      for (const key of [otherKey, adminKey]) {
        const res = await call(server, 'GET', `/api/admin/forms/${key}`, { token: owner });
        expect([res.status, res.body.code], key).to.deep.equal([404, 'not_found']);
      }
      expect((await call(server, 'GET', `/api/admin/forms/${ownerKeys[0]}`, { token: manager })).status).to.equal(200);
    });

    it("POST …/disable and …/enable answer 403 for another's form, as a record's write does, changing nothing; their own, an `all` grant and a tenant admin change it", async () => {
      const before = await server.store.headPosition();
      for (const action of ['disable', 'enable'] as const) {
        for (const key of [otherKey, adminKey]) {
          const res = await post(key, action, owner);
          expect([res.status, res.body.code], `${action} ${key}`).to.deep.equal([403, 'forbidden']);
        }
      }
      expect(await server.store.headPosition()).to.equal(before);
      expect([await statusOf(otherKey), await statusOf(adminKey)]).to.deep.equal(['enabled', 'enabled']);
      expect((await post('acme.00000000-0000-5000-8000-000000000000', 'disable', owner)).status).to.equal(404);
      expect((await post(ownerKeys[0]!, 'disable', owner)).status).to.equal(200);
      expect((await submit(ownerKeys[0]!)).status).to.equal(404);
      expect((await post(ownerKeys[0]!, 'enable', owner)).status).to.equal(200);
      for (const token of [manager, admin]) {
        expect((await post(otherKey, 'disable', token)).status).to.equal(200);
        expect(await statusOf(otherKey)).to.equal('disabled');
        expect((await post(otherKey, 'enable', token)).status).to.equal(200);
      }
      expect(await statusOf(otherKey)).to.equal('enabled');
    });
  });

  describe('POST /api/admin/forms/:formKey/enable', () => {
    it('enables a disabled form again: the public endpoint takes submissions again (WebFormEnabled)', async () => {
      const formKey = await newForm('Seasonal');
      expect((await call(server, 'POST', `/api/admin/forms/${formKey}/disable`, { token: admin })).status).to.equal(200);
      expect((await submit(formKey)).status).to.equal(404);
      const enabled = await call(server, 'POST', `/api/admin/forms/${formKey}/enable`, { token: admin });
      expect([enabled.status, enabled.body.formKey, enabled.body.status]).to.deep.equal([200, formKey, 'enabled']);
      expect((await call(server, 'GET', `/api/admin/forms/${formKey}`, { token: admin })).body.status).to.equal('enabled');
      expect((await submit(formKey)).status).to.equal(202);
      const stream = await server.store.readStream(`acme/sales.webForm/${formKey.slice('acme.'.length)}`);
      expect(stream.map((e) => e.type)).to.deep.equal(['WebFormCreated', 'WebFormDisabled', 'WebFormEnabled']);
    });

    it('appends nothing for an enabled form (idempotent), and answers the same', async () => {
      const formKey = await newForm('Always on');
      const before = await server.store.headPosition();
      for (let i = 0; i < 2; i += 1) {
        const res = await call(server, 'POST', `/api/admin/forms/${formKey}/enable`, { token: admin });
        expect([res.status, res.body.status]).to.deep.equal([200, 'enabled']);
      }
      expect(await server.store.headPosition()).to.equal(before);
    });

    it("answers 404 for another tenant's key, an unknown or a malformed one; 403 without admin.forms:update; 400 for a body; changing nothing", async () => {
      const formKey = await newForm('Guarded');
      await call(server, 'POST', `/api/admin/forms/${formKey}/disable`, { token: admin });
      const theirs = await newForm('Theirs', globex);
      await call(server, 'POST', `/api/admin/forms/${theirs}/disable`, { token: globex });
      const before = await server.store.headPosition();
      const enable = (key: string, token = admin, body?: unknown) => call(server, 'POST', `/api/admin/forms/${key}/enable`, { token, ...(body ? { body } : {}) });
      expect((await enable(theirs)).status).to.equal(404);
      expect((await enable(formKey, globex)).status).to.equal(404);
      expect((await enable('acme.00000000-0000-5000-8000-000000000000')).status).to.equal(404);
      expect((await enable('acme.not-a-form')).status).to.equal(404);
      expect((await enable(formKey, rep)).status).to.equal(403);
      expect((await enable(formKey, reader)).status).to.equal(403);
      const odd = await enable(formKey, admin, { bogus: 1 });
      expect([odd.status, odd.body.code]).to.deep.equal([400, 'validation_failed']);
      expect(await server.store.headPosition()).to.equal(before);
      expect((await submit(formKey)).status).to.equal(404);
    });
  });
});
