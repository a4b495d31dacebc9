import Database from 'better-sqlite3';
import { sqliteAdapter } from '../../../src/access/oauth/sqlite-adapter.js';
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
