import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { lockDataDir } from '../src/data-dir-lock.js';
import { createLogger } from '../src/logger.js';
import { startServer } from '../src/server.js';
import { runTs } from './support/process.js';

const crm = (args: string[], env: Record<string, string>) => runTs('src/cli.ts', args, env);

/** One line on stderr, no stack trace. */
const oneLine = (stderr: string): string => {
  expect(stderr.trim().split('\n'), stderr).to.have.length(1);
  return stderr.trim();
};

const TOKEN_ARGS = ['tokens', 'issue', '--tenant', 'acme', '--actor', 'ops-1', '--roles', 'tenant_admin'];
const otherKey = () => randomBytes(32).toString('base64');

describe('npm run crm: refusals on the environment (exit 78) and on usage (exit 2)', function () {
  this.timeout(60_000);
  let root: string;
  let dataDir: string; // made by a server, development key file
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'crm-cli-env-'));
    dataDir = join(root, 'data');
    await (await startServer(loadConfig({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' }), createLogger('silent'))).stop();
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('keys rotate-master refuses while a server holds DATA_DIR, and rotates nothing', async () => {
    const before = readFileSync(join(dataDir, 'master.key'), 'utf8');
    const lock = lockDataDir(dataDir);
    try {
      const { code, stderr } = await crm(['keys', 'rotate-master'], { DATA_DIR: dataDir });
      expect(code).to.equal(78);
      expect(oneLine(stderr)).to.match(/^data_dir_in_use: .*stop the servers before keys rotate-master$/);
    } finally {
      lock.release();
    }
    expect(readFileSync(join(dataDir, 'master.key'), 'utf8')).to.equal(before);
    expect(existsSync(join(dataDir, 'master.key.next'))).to.equal(false);
  });

  it('keys rotate-master refuses a DATA_DIR that does not exist or holds no keys.db, and creates nothing', async () => {
    const missing = join(root, 'mistyped');
    const empty = mkdtempSync(join(root, 'empty-'));
    for (const dir of [missing, empty]) {
      for (const env of [{}, { CRM_MASTER_KEY: otherKey(), CRM_NEW_MASTER_KEY: otherKey() }] as Array<Record<string, string>>) {
        const { code, stdout, stderr } = await crm(['keys', 'rotate-master'], { DATA_DIR: dir, ...env });
        expect(code).to.equal(78);
        expect(stdout).to.equal('');
        expect(oneLine(stderr)).to.equal(`data_dir_missing: DATA_DIR ${dir} does not exist or holds no CRM data`);
      }
    }
    expect(existsSync(missing)).to.equal(false);
    expect(readdirSync(empty)).to.deep.equal([]);
  });

  it('the commands that read an existing DATA_DIR refuse a missing one in one line, and create nothing', async () => {
    const missing = join(root, 'nowhere');
    const commands = [['audit', 'verify'], ['replay', 'acme/sales.contact/x'], ['projections', 'rebuild', 'sales.contact'], TOKEN_ARGS, ['keys', 'rotate-signing'], ['store-head']];
    for (const args of commands) {
      const { code, stderr } = await crm(args, { DATA_DIR: missing });
      expect(code, args.join(' ')).to.equal(78);
      expect(oneLine(stderr)).to.equal(`data_dir_missing: DATA_DIR ${missing} does not exist or holds no CRM data`);
    }
    expect(existsSync(missing)).to.equal(false);
  });

  it('answers a malformed option as bad usage: the problem and the usage, exit 2', async () => {
    for (const extra of [['--ttl', '-5'], ['--foo', 'x']]) {
      const { code, stderr } = await crm([...TOKEN_ARGS, ...extra], { DATA_DIR: dataDir });
      expect(code, stderr).to.equal(2);
      expect(stderr).to.match(/^invalid_arguments: /).and.to.contain('Usage: npm run crm').and.not.to.contain('ERR_PARSE_ARGS');
      expect(stderr).not.to.match(/\n\s+at /);
    }
  });

  it('help, --help and -h print the usage on stdout and exit 0', async () => {
    for (const flag of ['help', '--help', '-h']) {
      const { code, stdout } = await crm([flag], {});
      expect(code).to.equal(0);
      expect(stdout).to.contain('Usage: npm run crm').and.to.contain('tokens issue');
    }
  });

  it('tokens issue and keys rotate-signing name a wrong CRM_MASTER_KEY as master_key_mismatch in one line', async () => {
    for (const args of [TOKEN_ARGS, ['keys', 'rotate-signing']]) {
      const { code, stdout, stderr } = await crm(args, { DATA_DIR: dataDir, CRM_MASTER_KEY: otherKey() });
      expect(code, stderr).to.equal(78);
      expect(stdout).to.equal('');
      expect(oneLine(stderr)).to.match(/^master_key_mismatch: .*CRM_MASTER_KEY/);
    }
  });

  it('an invalid CRM_NEW_MASTER_KEY is bad configuration (exit 78), named as the server names one', async () => {
    const { code, stderr } = await crm(['keys', 'rotate-master'], { DATA_DIR: dataDir, CRM_NEW_MASTER_KEY: 'c2hvcnQ=' });
    expect(code).to.equal(78);
    expect(stderr).to.equal('Invalid configuration:\n  CRM_NEW_MASTER_KEY: must be the base64 encoding of exactly 32 bytes\n');
  });
});
