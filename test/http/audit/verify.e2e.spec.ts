import { expect } from 'chai';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { call, tokenFor } from '../../support/http.js';
import { runTs } from '../../support/process.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const cli = async (args: string[], dataDir: string) => {
  const { code, stdout, stderr } = await runTs('src/cli.ts', args, { DATA_DIR: dataDir });
  return { code, report: JSON.parse(stdout), stderr };
};

const contact = (n: number) => ({ firstName: `Ada${n}`, lastName: 'Lovelace', email: `ada${n}@example.org`, country: 'US' });

describe('GET /api/audit/verify and npm run crm -- audit verify', function () {
  this.timeout(60_000);
  let server: TestServer;
  let admin: string;
  let auditor: string;
  let tampered: { position: number; id: string; stream: string };

  before(async () => {
    server = await startTestServer();
    admin = await tokenFor(server, { tenantId: 'acme', actorId: 'admin-1', roles: ['tenant_admin'] });
    auditor = await tokenFor(server, { tenantId: 'acme', actorId: 'auditor-1', roles: ['auditor'] });
    const created = [];
    for (const n of [1, 2, 3]) created.push((await call(server, 'POST', '/sales/contacts', { token: admin, body: contact(n) })).body);
    const subjectId = (await call(server, 'GET', `/sales/contacts/${created[0].id}`, { token: admin })).body.subjectId;
    const erased = await call(server, 'POST', `/api/compliance/subjects/${subjectId}/erase`, { token: admin, body: { reason: 'art. 17' } });
    await server.sealer.waitFor(BigInt(erased.body.position));
    tampered = { position: created[1].position, id: '', stream: `acme/sales.contact/${created[1].id}` };
  });
  after(async () => server.dispose());

  const verify = (token = auditor) => call(server, 'GET', '/api/audit/verify', { token });

  it('answers an intact chain (also after an erasure) with the events checked and the head hash', async () => {
    const res = await verify();
    expect(res.status).to.equal(200);
    // Three contacts, PersonalDataErased and ErasureCertified.
    expect(res.body).to.include({ ok: true, eventsChecked: 5, headPosition: 5, unsealed: 0, broken: null });
    expect(res.body.headHash).to.match(/^[0-9a-f]{64}$/);
  });

  it('exits 0 from the CLI with the same summary', async () => {
    const { code, report } = await cli(['audit', 'verify'], server.dataDir);
    expect(code).to.equal(0);
    expect(report).to.include({ ok: true, eventsChecked: 5, unsealed: 0, sealedNow: 0 });
  });

  it('refuses roles without audit permission (403) and callers without a token (401)', async () => {
    const rep = await tokenFor(server, { tenantId: 'acme', actorId: 'rep-1', roles: ['sales_rep'] });
    expect((await verify(rep)).status).to.equal(403);
    expect((await call(server, 'GET', '/api/audit/verify')).status).to.equal(401);
  });

  describe('after one byte of one stored event changed', () => {
    before(() => {
      const db = new Database(join(server.dataDir, 'events.db'));
      const row = db.prepare('SELECT id, data FROM events WHERE position = ?').get(tampered.position) as { id: string; data: string };
      tampered.id = row.id;
      db.prepare('UPDATE events SET data = ? WHERE position = ?').run(row.data.replace('"country":"US"', '"country":"UA"'), tampered.position);
      db.close();
    });

    it('GET /api/audit/verify names that event', async () => {
      const res = await verify();
      expect(res.status).to.equal(200);
      expect(res.body.ok).to.equal(false);
      expect(res.body.broken).to.include({ position: tampered.position, stream: tampered.stream, eventId: tampered.id, problem: 'changed' });
      expect(res.body.eventsChecked).to.equal(tampered.position - 1);
    });

    it('the CLI exits non-zero and names that event', async () => {
      const { code, report, stderr } = await cli(['audit', 'verify'], server.dataDir);
      expect(code).to.equal(1);
      expect(report.broken).to.include({ position: tampered.position, eventId: tampered.id, problem: 'changed' });
      expect(stderr).to.contain(tampered.id);
    });

    it('tells another tenant\'s auditor where the chain breaks, never that tenant\'s stream or event', async () => {
      const other = await tokenFor(server, { tenantId: 'globex', actorId: 'auditor-2', roles: ['auditor'] });
      const res = await verify(other);
      expect(res.body.broken).to.include({ position: tampered.position, stream: null, eventId: null, otherTenant: true });
      expect(JSON.stringify(res.body)).not.to.contain('acme/');
    });
  });
});
