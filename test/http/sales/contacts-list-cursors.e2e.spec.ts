import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, tokenFor } from '../../support/http.js';
import { startTestServer } from '../../support/server.js';
import { createUserIn } from '../../support/tenant.js';
import { salesSession } from './session.js';

const person = (lastName: string, country: string, extra: Record<string, string> = {}) =>
  ({ firstName: 'Ada', lastName, email: `${lastName.toLowerCase()}.${country.toLowerCase()}@example.org`, country, ...extra });

const LAST_NAMES = ['Quillfeather', 'Rosewater', 'Stonebridge', 'Thistlewood'];

/** The cursor's bytes, as any text a reader of a URL could make of them. */
const decodings = (cursor: string): string[] => {
  const bytes = Buffer.from(cursor, 'base64url');
  return [bytes.toString('utf8'), bytes.toString('latin1'), Buffer.from(cursor, 'base64').toString('utf8')];
};

describe('GET /sales/contacts?cursor=', () => {
  const s = salesSession();
  const page = (query: string, token?: string) => s.get(`/sales/contacts?${query}`, token);
  const lastNames = (body: { data: Array<{ lastName: string }> }) => body.data.map((c) => c.lastName);
  const QUERY = `filter=${encodeURIComponent('country[eq]:"NO"')}&sort=lastName&limit=2`;

  before(async () => {
    for (const lastName of LAST_NAMES) expect((await s.send('POST', '/sales/contacts', person(lastName, 'NO'))).status).to.equal(201);
    for (const lastName of LAST_NAMES) await s.send('POST', '/sales/contacts', person(lastName, 'NO'), s.globex());
  });

  it('answers the next page for the same query, tenant and reader', async () => {
    const first = await page(QUERY);
    expect(lastNames(first.body)).to.deep.equal(LAST_NAMES.slice(0, 2));
    const second = await page(`${QUERY}&cursor=${first.body.page.nextCursor}`);
    expect([second.status, lastNames(second.body), second.body.page.nextCursor]).to.deep.equal([200, LAST_NAMES.slice(2), null]);
  });

  it("refuses another tenant's cursor for the same query: 400 invalid_cursor (it silently dropped rows)", async () => {
    const acme = (await page(QUERY)).body.page.nextCursor;
    const foreign = await page(`${QUERY}&cursor=${acme}`, s.globex());
    expect([foreign.status, foreign.body.code]).to.deep.equal([400, 'invalid_cursor']);
    expect(lastNames((await page(QUERY, s.globex())).body)).to.deep.equal(LAST_NAMES.slice(0, 2));
  });

  it("refuses an own-scoped reader's cursor to an all-scope reader, and the reverse", async () => {
    const grants = [{ permission: 'sales.contacts:read', scope: 'own' }];
    expect((await s.send('POST', '/api/admin/roles', { name: 'own_contact_reader', grants })).status).to.equal(201);
    const readerId = await createUserIn(s.server(), s.admin(), 'reader@cursors.example', ['own_contact_reader']);
    const reader = await tokenFor(s.server(), { tenantId: 'acme', actorId: readerId, roles: ['own_contact_reader'] });
    for (const lastName of LAST_NAMES) await s.send('POST', '/sales/contacts', person(lastName, 'IS', { ownerId: readerId }));
    const query = `filter=${encodeURIComponent('country[eq]:"IS"')}&sort=lastName&limit=2`;
    const own = await page(query, reader);
    expect(lastNames(own.body)).to.deep.equal(LAST_NAMES.slice(0, 2));
    expect(lastNames((await page(`${query}&cursor=${own.body.page.nextCursor}`, reader)).body)).to.deep.equal(LAST_NAMES.slice(2));
    const all = (await page(query)).body.page.nextCursor;
    for (const [cursor, token] of [[own.body.page.nextCursor, s.admin()], [all, reader]] as const) {
      const refused = await page(`${query}&cursor=${cursor}`, token);
      expect([refused.status, refused.body.code]).to.deep.equal([400, 'invalid_cursor']);
    }
  });

  it('holds no sort value in plaintext: neither the last name nor the id of the row it follows', async () => {
    const first = await page(QUERY);
    const cursor: string = first.body.page.nextCursor;
    const last = first.body.data[1] as { id: string; lastName: string };
    expect(cursor).to.match(/^[A-Za-z0-9_-]{40,120}$/);
    for (const text of decodings(cursor)) {
      for (const value of [last.lastName, last.lastName.toLowerCase(), last.id, last.id.slice(0, 8)]) expect(text).not.to.contain(value);
    }
  });

  it('refuses a cursor altered in any byte, cut short, or forged (a position of the client\'s choosing)', async () => {
    const first = await page(QUERY);
    const cursor: string = first.body.page.nextCursor;
    const bytes = Buffer.from(cursor, 'base64url');
    const altered = [0, 13, bytes.length - 1].map((i) => Buffer.from(bytes.map((b, j) => (j === i ? b ^ 0x20 : b))).toString('base64url'));
    // Forged as plain JSON, with the query's fingerprint should the cursor show one.
    const shown = (() => { try { return JSON.parse(bytes.toString('utf8')) as { f?: string }; } catch { return {}; } })();
    const forged = Buffer.from(JSON.stringify({ f: shown.f ?? 'x', v: ['Aaa', first.body.data[0].id] })).toString('base64url');
    for (const bad of [...altered, bytes.subarray(0, -2).toString('base64url'), forged]) {
      const res = await page(`${QUERY}&cursor=${bad}`);
      expect([res.status, res.body.code], bad).to.deep.equal([400, 'invalid_cursor']);
    }
  });
});

describe('GET /sales/contacts?cursor= across a restart', () => {
  it('answers the next page with a cursor issued before the restart (its key derives from the master key)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-cursor-'));
    try {
      let server = await startTestServer({ DATA_DIR: dir });
      let admin = await tokenFor(server, { tenantId: 'acme', actorId: 'user-admin', roles: ['tenant_admin'] });
      let position = 0;
      for (const lastName of LAST_NAMES) position = (await call(server, 'POST', '/sales/contacts', { token: admin, body: person(lastName, 'NO') })).body.position;
      const list = (query: string) => call(server, 'GET', `/sales/contacts?sort=lastName&limit=2${query}`, { token: admin, headers: { 'Consistency-Position': String(position) } });
      const cursor: string = (await list('')).body.page.nextCursor;
      await server.dispose();
      server = await startTestServer({ DATA_DIR: dir });
      admin = await tokenFor(server, { tenantId: 'acme', actorId: 'user-admin', roles: ['tenant_admin'] });
      const next = await list(`&cursor=${cursor}`);
      await server.dispose();
      expect([next.status, next.body.data.map((c: { lastName: string }) => c.lastName)]).to.deep.equal([200, LAST_NAMES.slice(2)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
