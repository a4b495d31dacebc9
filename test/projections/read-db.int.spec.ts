import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
