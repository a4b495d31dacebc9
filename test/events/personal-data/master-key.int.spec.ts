import { expect } from 'chai';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ConfigError } from '../../../src/errors.js';
import { createLogger } from '../../../src/logger.js';
import { MASTER_KEY_FILE, masterKeyId, resolveMasterKey } from '../../../src/events/personal-data/master-key.js';
import { newKey, recordingLogger, thrown, useTempDir } from './support.js';

describe('personal data: master key', () => {
  const dir = useTempDir('crm-master-');

  it('uses the configured key, without touching DATA_DIR', () => {
    const key = newKey();
    const logger = recordingLogger();
    expect(resolveMasterKey({ masterKey: key, dataDir: dir.path, nodeEnv: 'production' }, logger).equals(key)).to.equal(true);
    expect(readdirSync(dir.path)).to.deep.equal([]);
    expect(logger.lines).to.deep.equal([]);
  });

  it('refuses to start in production without one (a ConfigError naming CRM_MASTER_KEY)', () => {
    const error = thrown(() => resolveMasterKey({ dataDir: dir.path, nodeEnv: 'production' }, recordingLogger()));
    expect(error).to.be.instanceOf(ConfigError);
    expect(error.errors.map((e) => e.pointer)).to.deep.equal(['CRM_MASTER_KEY']);
    expect(readdirSync(dir.path)).to.deep.equal([]);
  });

  it('outside production generates a key file with mode 0600 and a warning, then reuses it', () => {
    const dataDir = join(dir.path, 'nested', 'data');
    const logger = recordingLogger();
    const first = resolveMasterKey({ dataDir, nodeEnv: 'development' }, logger);
    const file = join(dataDir, MASTER_KEY_FILE);
    expect(first).to.have.length(32);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').equals(first)).to.equal(true);
    expect(readdirSync(dataDir)).to.deep.equal([MASTER_KEY_FILE]);
    const second = resolveMasterKey({ dataDir, nodeEnv: 'test' }, logger);
    expect(second.equals(first)).to.equal(true);
    expect(logger.lines.map((l) => (l.fields as { generated: boolean }).generated)).to.deep.equal([true, false]);
    expect(logger.lines[0]!.message).to.match(/generated/);
  });

  it('never logs key material (through the real pino logger)', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) });
    const key = resolveMasterKey({ dataDir: dir.path, nodeEnv: 'development' }, createLogger('info', sink));
    const text = lines.join('');
    expect(text).to.contain('master key').and.to.contain(masterKeyId(key));
    for (const form of [key.toString('base64'), key.toString('hex'), key.toString('base64url')]) {
      expect(text).not.to.contain(form);
    }
  });

  it('refuses a key file that does not hold 32 bytes', () => {
    writeFileSync(join(dir.path, MASTER_KEY_FILE), 'c2hvcnQ=\n', { mode: 0o600 });
    const error = thrown(() => resolveMasterKey({ dataDir: dir.path, nodeEnv: 'development' }, recordingLogger()));
    expect(error).to.be.instanceOf(ConfigError);
  });

  it('has a stable public id that differs between keys', () => {
    const key = newKey();
    expect(masterKeyId(key)).to.equal(masterKeyId(Buffer.from(key))).and.to.match(/^[0-9a-f]{16}$/);
    expect(masterKeyId(newKey())).not.to.equal(masterKeyId(key));
  });
});
