/** The contract both OAuth storage adapters (SQLite, Redis) pass: what oidc-provider relies on. */
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { AdapterFactory } from 'oidc-provider';
import { recordingRevocations, sqliteRevokedGrants } from '../../../src/access/oauth/revoked-grants.js';
import { caught } from '../../support/caught.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const adapterContract = (open: () => AdapterFactory) => {
  let adapter: AdapterFactory;
  beforeEach(() => (adapter = open()));

  it('stores, finds and destroys an entry by model and id', async () => {
    const id = randomUUID();
    await adapter('Session').upsert(id, { accountId: 'u1', uid: `uid-${id}` }, 60);
    expect(await adapter('Session').find(id)).to.deep.include({ accountId: 'u1' });
    expect(await adapter('Grant').find(id)).to.equal(undefined);
    expect(await adapter('Session').findByUid(`uid-${id}`)).to.deep.include({ accountId: 'u1' });
    await adapter('Session').destroy(id);
    expect(await adapter('Session').find(id)).to.equal(undefined);
  });

  it('marks a code consumed, keeping the rest of it', async () => {
    const id = randomUUID();
    await adapter('AuthorizationCode').upsert(id, { grantId: 'g', accountId: 'u1' }, 60);
    await adapter('AuthorizationCode').consume(id);
    const code = await adapter('AuthorizationCode').find(id);
    expect(code).to.deep.include({ grantId: 'g', accountId: 'u1' });
    expect(code!.consumed).to.be.a('number');
  });

  it('consumes an entry once: consuming it again (requests together) is reuse, refused with invalid_grant; the recording storage revokes its grant', async () => {
    const db = new Database(':memory:');
    try {
      const grants = sqliteRevokedGrants(db);
      const storage = recordingRevocations(adapter, grants);
      const [grant, other] = [randomUUID(), randomUUID()];
      await storage('Grant').upsert(grant, { accountId: 'u1' }, 60);
      await storage('AuthorizationCode').upsert('c2', { grantId: grant }, 60);
      await storage('RefreshToken').upsert('r4', { grantId: grant }, 60);
      await storage('RefreshToken').upsert('r5', { grantId: other }, 60);
      await storage('AuthorizationCode').consume('c2');
      const again = await caught(storage('AuthorizationCode').consume('c2'));
      expect(again).to.include({ error: 'invalid_grant', status: 400 });
      expect([grants.isRevoked(grant), grants.isRevoked(other)], 'its access tokens are refused').to.deep.equal([true, false]);
      expect(await adapter('RefreshToken').find('r4')).to.equal(undefined);
      expect(await adapter('AuthorizationCode').find('c2')).to.equal(undefined);
      expect(await adapter('Grant').find(grant)).to.equal(undefined);
      expect(await adapter('RefreshToken').find('r5')).to.deep.include({ grantId: other });
    } finally {
      db.close();
    }
  });

  it('refuses to consume an entry that is gone (expired or revoked meanwhile)', async () => {
    const gone = await caught(adapter('RefreshToken').consume(randomUUID()));
    expect(gone).to.include({ error: 'invalid_grant', status: 400 });
  });

  it('revokes every token of a grant, and only of that grant', async () => {
    const [grant, other] = [randomUUID(), randomUUID()];
    await adapter('RefreshToken').upsert('r1', { grantId: grant }, 60);
    await adapter('RefreshToken').upsert('r2', { grantId: grant }, 60);
    await adapter('RefreshToken').upsert('r3', { grantId: other }, 60);
    await adapter('AuthorizationCode').upsert('c1', { grantId: grant }, 60);
    await adapter('RefreshToken').revokeByGrantId(grant);
    expect(await adapter('RefreshToken').find('r1')).to.equal(undefined);
    expect(await adapter('RefreshToken').find('r2')).to.equal(undefined);
    expect(await adapter('RefreshToken').find('r3')).to.deep.include({ grantId: other });
    expect(await adapter('AuthorizationCode').find('c1')).to.deep.include({ grantId: grant });
    await adapter('AuthorizationCode').revokeByGrantId(grant);
    expect(await adapter('AuthorizationCode').find('c1')).to.equal(undefined);
  });

  it('forgets an entry once it has expired', async () => {
    const id = randomUUID();
    await adapter('AuthorizationCode').upsert(id, { grantId: 'g' }, 1);
    expect(await adapter('AuthorizationCode').find(id)).to.not.equal(undefined);
    await sleep(2100);
    expect(await adapter('AuthorizationCode').find(id)).to.equal(undefined);
  });
};
