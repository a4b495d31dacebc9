import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventStore } from '../src/events/log/sqlite.js';
import { streamName } from '../src/events/log/stream-name.js';
import { openKeyStore } from '../src/events/personal-data/key-store.js';
import { masterKeyId } from '../src/events/personal-data/master-key.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServer } from '../src/server.js';
import { event } from './events/log/contract.js';
import { exitOf, spawnTs } from './support/process.js';

const run = async (args: string[], env: Record<string, string>) => {
  const child = spawnTs('src/cli.ts', args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const { code } = await exitOf(child);
  return { code, stdout, stderr };
};

describe('npm run crm', function () {
  this.timeout(30_000);
  let dataDir: string;
  const stream = streamName('acme', 'sales.contact', randomUUID());
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'crm-cli-'));
    const store = openSqliteEventStore(join(dataDir, 'events.db'));
    await store.append(stream, [event('ContactCreated', { n: 1 }), event('ContactUpdated', { n: 2 })]);
    await store.close();
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('replay <stream> prints the stream as JSON lines, oldest first', async () => {
    const { code, stdout } = await run(['replay', stream], { DATA_DIR: dataDir });
    expect(code).to.equal(0);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.type, l.revision, l.data.n])).to.deep.equal([['ContactCreated', 0, 1], ['ContactUpdated', 1, 2]]);
  });

  it('store-head prints the store kind and head position', async () => {
    const { code, stdout } = await run(['store-head'], { DATA_DIR: dataDir });
    expect(code).to.equal(0);
    expect(JSON.parse(stdout)).to.deep.equal({ store: 'sqlite', headPosition: 2 });
  });

  it('refuses a malformed stream name with exit 2', async () => {
    const { code, stderr } = await run(['replay', '$all'], { DATA_DIR: dataDir });
    expect(code).to.equal(2);
    expect(stderr).to.contain('invalid_stream_name');
  });

  it('keys rotate-master re-wraps the data keys under CRM_NEW_MASTER_KEY and prints counts and key ids, never a key', async () => {
    const [old, next] = [randomBytes(32), randomBytes(32)];
    const keys = openKeyStore(join(dataDir, 'keys.db'), old);
    const minted = keys.keyFor('acme', 'subject-1');
    keys.close();
    const env = { DATA_DIR: dataDir, CRM_MASTER_KEY: old.toString('base64'), CRM_NEW_MASTER_KEY: next.toString('base64') };
    const { code, stdout } = await run(['keys', 'rotate-master'], env);
    expect(code).to.equal(0);
    expect(JSON.parse(stdout)).to.deep.equal({ rotated: 1, signingKeys: 0, previousMasterKeyId: masterKeyId(old), masterKeyId: masterKeyId(next) });
    expect(stdout).not.to.contain(next.toString('base64'));
    const reopened = openKeyStore(join(dataDir, 'keys.db'), next);
    expect(reopened.existingKey('acme', 'subject-1')).to.deep.equal(minted);
    reopened.close();
    const refused = await run(['keys', 'rotate-master'], { DATA_DIR: dataDir, CRM_MASTER_KEY: next.toString('base64') });
    expect(refused.code).to.equal(78);
    expect(refused.stderr).to.contain('CRM_NEW_MASTER_KEY: is required');
  });

  it('keys rotate-master (development key file) leaves a data directory the server starts on, tokens verifying', async () => {
    const own = mkdtempSync(join(tmpdir(), 'crm-cli-rotate-'));
    const env = { DATA_DIR: own, PORT: '0', PUBLIC_URL: 'http://crm.test', LOG_LEVEL: 'silent' };
    try {
      await (await startServer(loadConfig(env), createLogger('silent'))).stop(); // a signing key sealed under the first key
      const rotated = await run(['keys', 'rotate-master'], env);
      expect(rotated.code, rotated.stderr).to.equal(0);
      expect(JSON.parse(rotated.stdout)).to.include({ signingKeys: 1 });
      const issued = await run(['tokens', 'issue', '--tenant', 'acme', '--actor', 'ops-1', '--roles', 'tenant_admin'], env);
      expect(issued.code, issued.stderr).to.equal(0);
      const server = await startServer(loadConfig(env), createLogger('silent'));
      try {
        const res = await fetch(`${server.url}/sales/contacts`, { headers: { Authorization: `Bearer ${JSON.parse(issued.stdout).accessToken}` } });
        expect(res.status).to.equal(200);
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('tokens issue prints an access token the server accepts; keys rotate-signing keeps it valid', async () => {
    const own = mkdtempSync(join(tmpdir(), 'crm-cli-tokens-'));
    try {
      await tokensRoundTrip(own);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  const tokensRoundTrip = async (own: string) => {
    const env = { DATA_DIR: own, PORT: '0', PUBLIC_URL: 'http://crm.test' };
    await (await startServer(loadConfig(env), createLogger('silent'))).stop(); // the DATA_DIR a server made
    const { code, stdout } = await run(['tokens', 'issue', '--tenant', 'acme', '--actor', 'ops-1', '--roles', 'tenant_admin', '--ttl', '600'], env);
    expect(code).to.equal(0);
    const issued = JSON.parse(stdout);
    expect(issued).to.include({ tokenType: 'Bearer', expiresIn: 600 });
    const rotated = await run(['keys', 'rotate-signing'], env);
    expect(rotated.code).to.equal(0);
    const server = await startServer(loadConfig({ ...env, LOG_LEVEL: 'silent' }), createLogger('silent'));
    try {
      const res = await fetch(`${server.url}/sales/contacts/unknown-id`, { headers: { Authorization: `Bearer ${issued.accessToken}` } });
      expect(res.status).to.equal(404);
      const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
      expect(jwks.keys.map((k) => k.kid)).to.include(JSON.parse(rotated.stdout).kid).and.to.have.length(2);
    } finally {
      await server.stop();
    }
    const bad = await run(['tokens', 'issue', '--tenant', 'ACME!', '--roles', 'wizard'], env);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('--tenant').and.to.contain('--roles').and.to.contain('--actor');
  };

  it('answers usage and exit 2 for an unknown command', async () => {
    const { code, stderr } = await run(['frobnicate'], { DATA_DIR: dataDir });
    expect(code).to.equal(2);
    expect(stderr).to.contain('Unknown command: frobnicate');
    expect(stderr).to.contain('replay <stream>');
  });
});
