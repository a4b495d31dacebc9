import { expect } from 'chai';
import { startTestServer, type TestServer } from '../support/server.js';
import { call, tokenFor } from '../support/http.js';
import { runTs } from '../support/process.js';

describe('npm run crm -- projections rebuild <name>', function () {
  this.timeout(60_000);
  let server: TestServer;
  let admin: string;
  let position = 0;
  const create = async (lastName: string) => {
    const body = { firstName: 'Cli', lastName, email: `${lastName.toLowerCase()}@example.org` };
    position = (await call(server, 'POST', '/sales/contacts', { token: admin, body })).body.position;
  };
  const lastNames = async () =>
    (await call(server, 'GET', '/sales/contacts?sort=lastName', { token: admin, headers: { 'Consistency-Position': String(position) } }))
      .body.data.map((c: { lastName: string }) => c.lastName);

  before(async () => {
    server = await startTestServer();
    admin = await tokenFor(server, { tenantId: 'acme', actorId: 'user-admin', roles: ['tenant_admin'] });
    for (const name of ['Alpha', 'Bravo', 'Charlie']) await create(name);
  });
  after(async () => server.dispose());

  it('rebuilds while the server runs; the server follows the swap and keeps projecting new writes', async () => {
    const { code, stdout, stderr } = await runTs('src/cli.ts', ['projections', 'rebuild', 'sales.contact'], { DATA_DIR: server.dataDir });
    expect(code, stderr).to.equal(0);
    expect(JSON.parse(stdout)).to.include({ name: 'sales.contact', status: 'live', checkpoint: position, lag: 0 });
    expect(await lastNames()).to.deep.equal(['Alpha', 'Bravo', 'Charlie']);
    await create('Delta');
    expect(await lastNames()).to.deep.equal(['Alpha', 'Bravo', 'Charlie', 'Delta']);
    const [status] = (await call(server, 'GET', '/api/superadmin/projections', {
      token: await tokenFor(server, { tenantId: 'platform', actorId: 'op', roles: ['platform_admin'] }),
    })).body.data;
    expect(status).to.include({ status: 'live', checkpoint: position });
  });

  it('exits 2 naming the problem for an unknown projection or a missing name', async () => {
    const unknown = await runTs('src/cli.ts', ['projections', 'rebuild', 'nope'], { DATA_DIR: server.dataDir });
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.contain('No projection named nope');
    expect((await runTs('src/cli.ts', ['projections', 'rebuild'], { DATA_DIR: server.dataDir })).code).to.equal(2);
  });
});
