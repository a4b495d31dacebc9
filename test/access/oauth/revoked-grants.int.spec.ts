import Database from 'better-sqlite3';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordingRevocations, sqliteRevokedGrants } from '../../../src/access/oauth/revoked-grants.js';
import { sqliteAdapter } from '../../../src/access/oauth/sqlite-adapter.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('revoked grants in identity.db (sqliteRevokedGrants)', () => {
  let dir: string;
  let dbs: Database.Database[];
  const open = () => {
    const db = new Database(join(dir, 'identity.db'));
    db.pragma('journal_mode = WAL');
    dbs.push(db);
    return db;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-revoked-'));
    dbs = [];
  });
  afterEach(() => {
    dbs.forEach((db) => db.close());
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a grant at once where it was revoked, and from the next turn in another process sharing the file', async () => {
    const here = sqliteRevokedGrants(open());
    const there = sqliteRevokedGrants(open());
    expect(there.isRevoked('g1')).to.equal(false);
    await here.revoke('g1');
    expect(here.isRevoked('g1')).to.equal(true);
    await nextTurn();
    expect([there.isRevoked('g1'), there.isRevoked('g2')]).to.deep.equal([true, false]);
  });

  it('forgets a revocation once no token of its grant can be unexpired (at the next revocation)', async () => {
    const db = open();
    const grants = sqliteRevokedGrants(db);
    await grants.revoke('old');
    await grants.revoke('recent');
    db.prepare("UPDATE oauth_revoked_grants SET expires_at = ? WHERE grant_id = 'old'").run(Math.floor(Date.now() / 1000) - 1);
    expect(sqliteRevokedGrants(open()).isRevoked('old'), 'an expired row is not loaded').to.equal(false);
    await grants.revoke('newest');
    expect(db.prepare('SELECT grant_id FROM oauth_revoked_grants ORDER BY grant_id').pluck().all()).to.deep.equal(['newest', 'recent']);
  });
});

describe('recordingRevocations (the OAuth storage recording every revocation of a grant)', () => {
  it('records the grant whichever model\'s entries of it are revoked, and deletes them', async () => {
    const db = new Database(':memory:');
    try {
      const grants = sqliteRevokedGrants(db);
      const storage = recordingRevocations(sqliteAdapter(db), grants);
      await storage('RefreshToken').upsert('r1', { grantId: 'g1' }, 60);
      await storage('RefreshToken').revokeByGrantId('g1');
      await storage('AccessToken').revokeByGrantId('g2');
      expect([grants.isRevoked('g1'), grants.isRevoked('g2'), grants.isRevoked('g3')]).to.deep.equal([true, true, false]);
      expect(await storage('RefreshToken').find('r1')).to.equal(undefined);
    } finally {
      db.close();
    }
  });
});
