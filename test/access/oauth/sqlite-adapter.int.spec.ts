import { expect } from 'chai';
import Database from 'better-sqlite3';
import { sqliteAdapter, sweepExpiredEvery } from '../../../src/access/oauth/sqlite-adapter.js';
import { adapterContract } from './adapter-contract.js';

describe('OAuth storage in identity.db (sqliteAdapter)', () => {
  const dbs: Database.Database[] = [];
  after(() => dbs.forEach((db) => db.close()));
  adapterContract(() => {
    const db = new Database(':memory:');
    dbs.push(db);
    return sqliteAdapter(db);
  });
});

describe('sweepExpiredEvery (identity.db OAuth storage)', () => {
  it('deletes expired entries on its timer, without waiting for writes, and keeps the live ones', async () => {
    const db = new Database(':memory:');
    const adapter = sqliteAdapter(db);
    await adapter('Interaction').upsert('expiring', { params: { login_hint: 'someone@example.org' } }, 1);
    await adapter('Interaction').upsert('live', { params: { login_hint: 'other@example.org' } }, 600);
    const errors: unknown[] = [];
    const stop = sweepExpiredEvery(db, 200, (error) => errors.push(error));
    try {
      const ids = () => db.prepare('SELECT id FROM oauth_entries ORDER BY id').pluck().all();
      expect(ids()).to.deep.equal(['expiring', 'live']);
      await new Promise((resolve) => setTimeout(resolve, 2_300));
      expect(ids()).to.deep.equal(['live']);
      expect(errors).to.deep.equal([]);
    } finally {
      stop();
      db.close();
    }
  });
});
