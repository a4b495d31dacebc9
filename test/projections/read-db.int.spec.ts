import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCheckpointer } from '../../src/projections/read-checkpointer.js';
import { openReadDb, type ReadDb } from '../../src/projections/read-db.js';

describe('projections: read.db', () => {
  let dir: string;
  let readDb: ReadDb;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-readdb-'));
    readDb = openReadDb(dir);
  });
  afterEach(async () => {
    await readDb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens DATA_DIR/read.db in WAL mode with secure_delete on every connection (better-sqlite3 and knex)', async () => {
    expect(readDb.file).to.equal(join(dir, 'read.db'));
    expect(readDb.db.pragma('journal_mode', { simple: true })).to.equal('wal');
    expect(readDb.db.pragma('secure_delete', { simple: true })).to.equal(1);
    expect(readDb.db.pragma('threads', { simple: true })).to.equal(2); // CREATE INDEX sorts with a helper thread
    const [viaKnex] = (await readDb.knex.raw('PRAGMA secure_delete')) as Array<{ secure_delete: number }>;
    expect(viaKnex).to.deep.equal({ secure_delete: 1 });
    await readDb.knex.schema.createTable('probe', (t) => t.text('tenant_id'));
    expect(readDb.db.prepare("SELECT name FROM sqlite_master WHERE name = 'probe'").pluck().get()).to.equal('probe');
  });

  it('copies the WAL into read.db on a thread of its own: the writing connection never reaches its own checkpoint', async () => {
    const { db } = readDb;
    expect(db.pragma('wal_autocheckpoint', { simple: true })).to.equal(50_000);
    db.exec('CREATE TABLE probe (id INTEGER PRIMARY KEY, text TEXT)');
    const insert = db.prepare('INSERT INTO probe (text) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 2_000; i++) insert.run('x'.repeat(1_000));
    })();
    const before = statSync(readDb.file).size;
    expect(before).to.be.below(100_000); // 2 MB committed, still in the WAL
    const deadline = Date.now() + 10_000; // the thread starts a second after the open
    while (statSync(readDb.file).size < 2_000_000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(statSync(readDb.file).size).to.be.at.least(2_000_000);
    expect(db.prepare('SELECT count(*) FROM probe').pluck().get()).to.equal(2_000);
  });
});

describe('projections: the read.db checkpointer thread', () => {
  it('reports a thread that cannot open its file, once', async () => {
    const failures: Error[] = [];
    const checkpointer = startCheckpointer('/dev/null/no-such-dir/read.db', { startAfterMs: 0, onFailure: (error) => failures.push(error) });
    const deadline = Date.now() + 10_000;
    while (failures.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await checkpointer.close();
    expect(failures).to.have.length(1);
    expect(failures[0]!.message).to.match(/ENOTDIR|not a directory/i);
  });

  it('reports nothing when closed in the normal way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-readdb-'));
    const failures: Error[] = [];
    const checkpointer = startCheckpointer(join(dir, 'read.db'), { startAfterMs: 0, onFailure: (error) => failures.push(error) });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await checkpointer.close();
    rmSync(dir, { recursive: true, force: true });
    expect(failures).to.deep.equal([]);
  });

  it('brings the connection\'s own checkpoints back to SQLite\'s default when the thread fails', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'crm-readdb-'));
    const dir = join(parent, 'data');
    const heard: Error[] = [];
    const readDb = openReadDb(dir, { onCheckpointerFailure: (error) => heard.push(error) });
    try {
      expect(readDb.db.pragma('wal_autocheckpoint', { simple: true })).to.equal(50_000);
      // The open connection keeps its files; the thread, starting a second later, finds a file where its folder was.
      rmSync(dir, { recursive: true, force: true });
      writeFileSync(dir, 'not a directory');
      const deadline = Date.now() + 10_000;
      while (heard.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(heard).to.have.length(1);
      expect(readDb.db.pragma('wal_autocheckpoint', { simple: true })).to.equal(1_000);
    } finally {
      await readDb.close();
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
