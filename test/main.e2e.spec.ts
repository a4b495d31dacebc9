import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitOf, spawnTs, waitForLine } from './support/process.js';

describe('npm start (src/main.ts)', function () {
  this.timeout(30_000);
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'crm-main-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves on embedded defaults, and on SIGTERM drains, closes the stores and exits 0', async () => {
    const child = spawnTs('src/main.ts', [], { PORT: '0', DATA_DIR: dataDir });
    const listening = JSON.parse(await waitForLine(child, (l) => l.includes('"listening"')));
    expect(listening).to.include({ store: 'sqlite' });
    const ready = await fetch(`http://127.0.0.1:${listening.port}/health/ready`);
    expect(ready.status).to.equal(200);
    child.kill('SIGTERM');
    const exit = await exitOf(child);
    expect(exit).to.deep.equal({ code: 0, signal: null });
    expect(existsSync(join(dataDir, 'events.db'))).to.equal(true);
    const wal = join(dataDir, 'events.db-wal');
    expect(!existsSync(wal) || statSync(wal).size === 0).to.equal(true);
  });

  it('refuses to start on a bad configuration, naming each bad variable', async () => {
    const child = spawnTs('src/main.ts', [], { PORT: 'eighty', LOG_LEVEL: 'loud', DATA_DIR: dataDir });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exit = await exitOf(child);
    expect(exit.code).to.equal(78);
    expect(stderr).to.contain('Invalid configuration');
    expect(stderr).to.contain('PORT: must be an integer');
    expect(stderr).to.contain('LOG_LEVEL: must be one of');
  });
});
