import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
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
    const [viaKnex] = (await readDb.knex.raw('PRAGMA secure_delete')) as Array<{ secure_delete: number }>;
    expect(viaKnex).to.deep.equal({ secure_delete: 1 });
    await readDb.knex.schema.createTable('probe', (t) => t.text('tenant_id'));
    expect(readDb.db.prepare("SELECT name FROM sqlite_master WHERE name = 'probe'").pluck().get()).to.equal('probe');
  });
});
