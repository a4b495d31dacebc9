import Database from 'better-sqlite3';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { openDirectory } from '../../../src/access/directory.js';
import { openIdentityDb } from '../../../src/access/identity-db.js';
import { createUser } from '../../../src/commands/identity/accounts.js';
import { openEventStore } from '../../../src/events/log/open.js';
import { openKeyStore } from '../../../src/events/personal-data/key-store.js';
import { masterKeyId } from '../../../src/events/personal-data/master-key.js';
import { ROOT } from '../../support/process.js';

const runCli = (args: string[], env: Record<string, string>, stdin: string) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });

describe('npm run crm -- admin create', function () {
  this.timeout(60_000);
  let dataDir: string;
  let env: Record<string, string>;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'crm-admin-'));
    env = { DATA_DIR: dataDir, CRM_MASTER_KEY: Buffer.alloc(32, 3).toString('base64') };
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates the platform super admin from --email and the password on stdin, once', async () => {
    const first = await runCli(['admin', 'create', '--email', 'root@example.com', '--password-stdin'], env, 'a long enough password\n');
    expect(first.code, first.stderr).to.equal(0);
    const created = JSON.parse(first.stdout);
    expect(created.created).to.equal(true);
    const again = await runCli(['admin', 'create', '--email', 'ROOT@example.com', '--password-stdin'], env, 'another long password\n');
    expect(JSON.parse(again.stdout)).to.deep.equal({ created: false, userId: created.userId });
    const db = new Database(join(dataDir, 'identity.db'), { readonly: true });
    const rows = db.prepare('SELECT tenant_id, roles, status FROM directory_users').all();
    db.close();
    expect(rows).to.deep.equal([{ tenant_id: 'platform', roles: '["platform_admin"]', status: 'active' }]);
  });

  it('refuses an email held by a user of an organization (not a platform admin) with exit 1, creating nothing', async () => {
    const store = await openEventStore({ dataDir, eventStoreUrl: undefined });
    const keyStore = openKeyStore(join(dataDir, 'keys.db'), Buffer.alloc(32, 3));
    const identityDb = openIdentityDb(join(dataDir, 'identity.db'));
    const commandId = randomUUID();
    const context = { tenantId: 'acme', actorId: 'u-admin', commandId, correlationId: commandId, now: new Date() };
    const user = { email: 'rep@acme.example', password: 'a long enough password', name: 'Rep', roles: ['sales_rep'] };
    await createUser({ store, keyStore, directory: openDirectory(identityDb) }, 'acme', user, context);
    [identityDb.close(), keyStore.close(), await store.close()];
    const refused = await runCli(['admin', 'create', '--email', 'REP@acme.example', '--password-stdin'], env, 'a long enough password\n');
    expect({ code: refused.code, stdout: refused.stdout }).to.deep.equal({ code: 1, stdout: '' });
    expect(refused.stderr).to.match(/^email_taken: .*acme.*not a platform super admin/m);
    expect(refused.stderr).not.to.match(/Usage:/);
    const db = new Database(join(dataDir, 'identity.db'), { readonly: true });
    const rows = db.prepare("SELECT tenant_id, roles FROM directory_users WHERE tenant_id = 'acme'").all();
    db.close();
    expect(rows).to.deep.equal([{ tenant_id: 'acme', roles: '["sales_rep"]' }]);
  });

  it('refuses a short password or a missing --password-stdin with exit 2', async () => {
    const short = await runCli(['admin', 'create', '--email', 'x@example.com', '--password-stdin'], env, 'short\n');
    expect(short.code).to.equal(2);
    expect(short.stderr).to.match(/at least 12 characters/);
    expect((await runCli(['admin', 'create', '--email', 'x@example.com'], env, '')).code).to.equal(2);
  });

  it('refuses a master key other than the one a server recorded (exit 78), even before any data key exists, and records nothing of it', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'crm-admin-'));
    try {
      const real = Buffer.alloc(32, 5);
      openKeyStore(join(fresh, 'keys.db'), real).close(); // what a server's first start leaves
      const typo = { DATA_DIR: fresh, CRM_MASTER_KEY: Buffer.alloc(32, 6).toString('base64') };
      const refused = await runCli(['admin', 'create', '--email', 'other@example.com', '--password-stdin'], typo, 'a long enough password\n');
      expect(refused.code, refused.stderr).to.equal(78);
      const db = new Database(join(fresh, 'keys.db'), { readonly: true });
      const recorded = db.prepare('SELECT master_key_id FROM key_store_meta').pluck().all();
      const keys = db.prepare('SELECT COUNT(*) FROM data_keys').pluck().get();
      db.close();
      expect({ recorded, keys }).to.deep.equal({ recorded: [masterKeyId(real)], keys: 0 });
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
