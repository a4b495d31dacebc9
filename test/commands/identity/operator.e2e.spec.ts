import Database from 'better-sqlite3';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
