import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventStore } from '../src/events/log/sqlite.js';
import { streamName } from '../src/events/log/stream-name.js';
import { event } from './events/log/contract.js';
import { call, tokenFor } from './support/http.js';
import { runTs } from './support/process.js';
import { startTestServer, type TestServer } from './support/server.js';

const replay = async (stream: string, dataDir: string, env: Record<string, string> = {}) => {
  const { code, stdout, stderr } = await runTs('src/cli.ts', ['replay', stream], { DATA_DIR: dataDir, ...env });
  return { code, events: stdout.trim().split('\n').map((line) => JSON.parse(line)), stderr };
};

describe('npm run crm -- replay <stream>', function () {
  this.timeout(30_000);
  let server: TestServer;
  let stream: string;
  before(async () => {
    server = await startTestServer();
    const token = await tokenFor(server, { tenantId: 'acme', actorId: 'admin-1', roles: ['tenant_admin'] });
    const body = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org', city: 'London', country: 'GB' };
    stream = `acme/sales.contact/${(await call(server, 'POST', '/sales/contacts', { token, body })).body.id}`;
  });
  after(async () => server.dispose());

  it('prints the events decrypted when the master key and the key store are at hand', async () => {
    const { code, events } = await replay(stream, server.dataDir);
    expect(code).to.equal(0);
    expect(events[0].data.fields).to.include({ firstName: 'Ada', email: 'ada@example.org', city: 'London', country: 'GB' });
    expect(events[0].erased).to.deep.equal([]);
  });

  it('prints them as stored, and says so, without the master key', async () => {
    const bare = mkdtempSync(join(tmpdir(), 'crm-replay-'));
    try {
      copyFileSync(join(server.dataDir, 'events.db'), join(bare, 'events.db'));
      const { code, events, stderr } = await replay(stream, bare);
      expect(code).to.equal(0);
      expect(events[0].data.fields.country).to.equal('GB');
      expect(JSON.stringify(events[0].data.fields)).not.to.contain('Ada').and.not.to.contain('London');
      expect(stderr).to.contain('ciphertext');
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it('prints them as stored, and says so, under a master key that did not wrap the key store', async () => {
    const { code, events, stderr } = await replay(stream, server.dataDir, { CRM_MASTER_KEY: randomBytes(32).toString('base64') });
    expect(code, stderr).to.equal(0);
    expect(events[0].data.fields.country).to.equal('GB');
    expect(JSON.stringify(events[0].data.fields)).not.to.contain('Ada').and.not.to.contain('London');
    expect(stderr).to.contain('master_key_mismatch').and.to.contain('as stored');
  });
});

describe('npm run crm -- audit verify [--seal]', function () {
  this.timeout(30_000);
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'crm-audit-'));
    const store = openSqliteEventStore(join(dataDir, 'events.db'));
    await store.append(streamName('acme', 'sales.contact', randomUUID()), [event('ContactCreated'), event('ContactUpdated')]);
    await store.close();
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const audit = async (...args: string[]) => {
    const { code, stdout, stderr } = await runTs('src/cli.ts', ['audit', ...args], { DATA_DIR: dataDir });
    return { code, stderr, report: stdout === '' ? undefined : JSON.parse(stdout) };
  };

  it('reports events never sealed as the unsealed tail, seals nothing unless asked, and exits 0', async () => {
    const { code, report } = await audit('verify');
    expect(code).to.equal(0);
    expect(report).to.include({ ok: true, eventsChecked: 0, unsealed: 2, sealedNow: 0, headHash: null });
  });

  it('with --seal seals the tail first, then verifies it', async () => {
    const { code, report } = await audit('verify', '--seal');
    expect(code).to.equal(0);
    expect(report).to.include({ ok: true, eventsChecked: 2, unsealed: 0, sealedNow: 2, headPosition: 2 });
    expect((await audit('verify')).report).to.include({ eventsChecked: 2, headHash: report.headHash });
  });

  it('answers usage and exit 2 for anything else', async () => {
    expect((await audit('verify', '--fix')).code).to.equal(2);
    expect((await audit()).code).to.equal(2);
  });
});
