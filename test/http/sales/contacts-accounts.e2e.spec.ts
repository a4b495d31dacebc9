import { expect } from 'chai';
import { DEFAULT_SALES_CONFIG } from '../../../src/events/sales/config.js';
import { accountContacts } from '../../../src/queries/sales/contacts.js';
import { cursorKeyOf } from '../../../src/queries/cursor.js';
import { tokenFor } from '../../support/http.js';
import { salesSession } from './session.js';

let people = 0;
const someone = (extra: Record<string, string> = {}) => ({ firstName: 'Grace', lastName: 'Hopper', email: `grace.links.${(people += 1)}@example.org`, ...extra });
/** The read model's connection, with a cursor key of the test's own (no cursor crosses the HTTP API here). */
const sourceOf = (session: ReturnType<typeof salesSession>) => ({ db: session.server().readDb.db, cursorKey: cursorKeyOf(Buffer.alloc(32)) });

describe('POST /sales/contacts/:id/accounts', () => {
  const s = salesSession();
  const contact = async (body: object = someone(), token?: string): Promise<string> => (await s.send('POST', '/sales/contacts', body, token, {})).body.id;
  const account = async (token?: string): Promise<string> => (await s.send('POST', '/sales/accounts', { name: `Acme ${people}` }, token, {})).body.id;
  const link = (id: string, body: object, headers: Record<string, string> = {}, token?: string) =>
    s.send('POST', `/sales/contacts/${id}/accounts`, body, token, headers);
  const refused = async (send: () => Promise<{ status: number; body: any }>, status: number, code: string) => {
    const before = await s.head();
    const res = await send();
    expect([res.status, res.body.code]).to.deep.equal([status, code]);
    expect(await s.head()).to.equal(before);
  };

  it('links accounts with roles; the contact lists them, the account lists its contacts; primary sets accountId', async () => {
    const [id, a1, a2] = [await contact(), await account(), await account()];
    const res = await link(id, { accountId: a1, roles: ['billing', 'champion'] }, { 'If-Match': '"0"' });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ id, revision: 1 });
    await link(id, { accountId: a2, roles: ['decision_maker'], primary: true });
    const view = (await s.get(`/sales/contacts/${id}`)).body;
    expect(view.accountId).to.equal(a2);
    expect(view.accounts).to.deep.equal([
      { accountId: a1, roles: ['billing', 'champion'], primary: false }, { accountId: a2, roles: ['decision_maker'], primary: true },
    ]);
    const listed = (await s.get(`/sales/accounts/${a1}/contacts`)).body.data;
    expect(listed).to.deep.equal([{ contactId: id, firstName: 'Grace', lastName: 'Hopper', roles: ['billing', 'champion'], primary: false }]);
  });

  it('pages an account\'s contacts by contact id with limit and an opaque cursor, refusing a foreign cursor (400)', async () => {
    const a1 = await account();
    const ids = [await contact(), await contact(), await contact()];
    for (const id of ids) await link(id, { accountId: a1, roles: ['user'] });
    const first = (await s.get(`/sales/accounts/${a1}/contacts?limit=2`)).body;
    const second = (await s.get(`/sales/accounts/${a1}/contacts?limit=2&cursor=${first.page.nextCursor}`)).body;
    expect([...first.data, ...second.data].map((c: { contactId: string }) => c.contactId)).to.deep.equal([...ids].sort());
    expect([first.data.length, second.page.nextCursor]).to.deep.equal([2, null]);
    const other = await account();
    expect((await s.get(`/sales/accounts/${other}/contacts?cursor=${first.page.nextCursor}`)).status).to.equal(400);
    expect((await s.get(`/sales/accounts/${a1}/contacts?limit=0`)).status).to.equal(400);
  });

  it('moves the primary flag with a PATCH of accountId, in the contact and in the account\'s list', async () => {
    const [id, a1, a2] = [await contact(), await account(), await account()];
    await link(id, { accountId: a1, roles: ['billing'], primary: true });
    await link(id, { accountId: a2, roles: ['technical'] });
    expect((await s.send('PATCH', `/sales/contacts/${id}`, { accountId: a2 })).status).to.equal(200);
    const view = (await s.get(`/sales/contacts/${id}`)).body;
    expect(view.accounts.map((l: { accountId: string; primary: boolean }) => [l.accountId, l.primary])).to.deep.equal([[a1, false], [a2, true]]);
    expect((await s.get(`/sales/accounts/${a2}/contacts`)).body.data.map((c: { primary: boolean }) => c.primary)).to.deep.equal([true]);
    expect((await s.get(`/sales/accounts/${a1}/contacts`)).body.data.map((c: { primary: boolean }) => c.primary)).to.deep.equal([false]);
  });

  it('relinks with other roles as ContactAccountRolesChanged; the same link again appends nothing', async () => {
    const [id, a1] = [await contact(), await account()];
    await link(id, { accountId: a1, roles: ['technical'] });
    expect((await link(id, { accountId: a1, roles: ['technical', 'user'] })).status).to.equal(200);
    const before = await s.head();
    expect((await link(id, { accountId: a1, roles: ['user', 'technical'] })).status).to.equal(200);
    expect(await s.head()).to.equal(before);
    const history = (await s.get(`/sales/contacts/${id}/history`)).body.data.map((e: { type: string }) => e.type);
    expect(history).to.deep.equal(['ContactCreated', 'ContactLinkedToAccount', 'ContactAccountRolesChanged']);
    expect((await s.get(`/sales/accounts/${a1}/contacts`)).body.data[0].roles).to.deep.equal(['technical', 'user']);
  });

  it('accepts the roles the tenant configured, and only those', async () => {
    await s.send('PATCH', '/api/superadmin/sales-config', { contactRoles: [{ id: 'sponsor', name: 'Executive sponsor' }] });
    const [id, a1] = [await contact(), await account()];
    expect((await link(id, { accountId: a1, roles: ['sponsor'] })).status).to.equal(200);
    await refused(() => link(id, { accountId: a1, roles: ['billing'] }), 422, 'unknown_role');
    await refused(() => s.send('PATCH', '/api/superadmin/sales-config', { contactRoles: [{ id: 'x', name: 'X' }, { id: 'x', name: 'Y' }] }), 422, 'invalid_sales_config');
    await s.send('PATCH', '/api/superadmin/sales-config', { contactRoles: DEFAULT_SALES_CONFIG.contactRoles });
  });

  it('the survivor of a merge gains the loser\'s links, roles united', async () => {
    const [survivor, loser, a1] = [await contact(), await contact(), await account()];
    await link(survivor, { accountId: a1, roles: ['billing'] });
    await link(loser, { accountId: a1, roles: ['technical'] });
    expect((await s.send('POST', `/sales/contacts/${survivor}/merge`, { loserId: loser })).status).to.equal(200);
    expect((await s.get(`/sales/contacts/${survivor}`)).body.accounts).to.deep.equal([{ accountId: a1, roles: ['billing', 'technical'], primary: false }]);
    expect((await s.get(`/sales/accounts/${a1}/contacts`)).body.data.map((c: { contactId: string }) => c.contactId)).to.deep.equal([survivor]);
  });

  describe('refusals (nothing written)', () => {
    it('an account not in the tenant (422 account_not_found), another tenant\'s included', async () => {
      const [id, theirs] = [await contact(), await account(s.globex())];
      await refused(() => link(id, { accountId: 'no-such-account', roles: [] }), 422, 'account_not_found');
      await refused(() => link(id, { accountId: theirs, roles: [] }), 422, 'account_not_found');
    });

    it('an unknown role (422 unknown_role), a malformed body (400)', async () => {
      const [id, a1] = [await contact(), await account()];
      await refused(() => link(id, { accountId: a1, roles: ['janitor'] }), 422, 'unknown_role');
      expect((await link(id, { accountId: a1 })).status).to.equal(400);
    });

    it('an archived contact (409 record_archived), a merged one (409 contact_merged)', async () => {
      const [archived, merged, other, a1] = [await contact(), await contact(), await contact(), await account()];
      await s.send('POST', `/sales/contacts/${archived}/archive`, {});
      await s.send('POST', `/sales/contacts/${other}/merge`, { loserId: merged });
      await refused(() => link(archived, { accountId: a1, roles: [] }), 409, 'record_archived');
      await refused(() => link(merged, { accountId: a1, roles: [] }), 409, 'contact_merged');
    });

    it('a stale If-Match (412), another tenant\'s contact (404)', async () => {
      const [id, a1, theirs] = [await contact(), await account(), await contact(someone(), s.globex())];
      await refused(() => link(id, { accountId: a1, roles: [] }, { 'If-Match': '"7"' }), 412, 'precondition_failed');
      await refused(() => link(theirs, { accountId: a1, roles: [] }), 404, 'not_found');
    });

    it('lets a sales rep link only their own contacts (403 otherwise); an own-scoped reader lists only their own', async () => {
      const rep = await tokenFor(s.server(), { tenantId: 'acme', actorId: 'rep-7', roles: ['sales_rep'] });
      const [mine, a1] = [await contact(someone(), rep), await account()];
      const notMine = await contact();
      await link(notMine, { accountId: a1, roles: ['user'] });
      await refused(() => link(notMine, { accountId: a1, roles: [] }, {}, rep), 403, 'forbidden');
      expect((await link(mine, { accountId: a1, roles: ['user'] }, {}, rep)).status).to.equal(200);
      const listed = (await s.get(`/sales/accounts/${a1}/contacts`, rep)).body.data.map((c: { contactId: string }) => c.contactId);
      expect(listed).to.have.members([mine, notMine]);
      // A sales rep reads every contact; a grant of own-scoped reads (a custom role) narrows the query to the owner's.
      expect(accountContacts(sourceOf(s), 'acme', a1, 'rep-7').data.map((c) => c.contactId)).to.deep.equal([mine]);
    });
  });
});

describe('GET /sales/accounts/:id/contacts: linked contacts and those whose accountId names the account', () => {
  const s = salesSession();
  const contact = async (body: object = someone(), token?: string): Promise<string> => (await s.send('POST', '/sales/contacts', body, token, {})).body.id;
  const account = async (token?: string): Promise<string> => (await s.send('POST', '/sales/accounts', { name: `Initech ${people}` }, token, {})).body.id;
  const link = (id: string, body: object) => s.send('POST', `/sales/contacts/${id}/accounts`, body);
  const listed = async (accountId: string, query = '', token?: string) => (await s.get(`/sales/accounts/${accountId}/contacts${query}`, token)).body;
  const ids = (data: Array<{ contactId: string }>) => data.map((c) => c.contactId);

  it('lists a contact created with accountId, primary with no roles, and the contact a lead conversion creates', async () => {
    const a1 = await account();
    const id = await contact(someone({ accountId: a1 }));
    expect((await listed(a1)).data).to.deep.equal([{ contactId: id, firstName: 'Grace', lastName: 'Hopper', roles: [], primary: true }]);
    const lead = (await s.send('POST', '/sales/leads', { firstName: 'Ada', lastName: 'Lovelace', email: `ada.links.${(people += 1)}@example.org`, company: 'Analytical Engines' })).body.id;
    const converted = (await s.send('POST', `/sales/leads/${lead}/convert`)).body;
    expect(converted.accountId).to.be.a('string');
    expect((await listed(converted.accountId)).data).to.deep.equal([
      { contactId: converted.contactId, firstName: 'Ada', lastName: 'Lovelace', roles: [], primary: true },
    ]);
  });

  it('lists a contact both linked and with accountId once, with its roles; a link to another account is not primary there', async () => {
    const [a1, a2] = [await account(), await account()];
    const both = await contact(someone({ accountId: a1 }));
    await link(both, { accountId: a1, roles: ['billing'] });
    const elsewhere = await contact(someone({ accountId: a2 }));
    await link(elsewhere, { accountId: a1, roles: ['technical'] });
    expect((await listed(a1)).data.map((c: { contactId: string; roles: string[]; primary: boolean }) => [c.contactId, c.roles, c.primary])).to.deep.equal(
      [[both, ['billing'], true], [elsewhere, ['technical'], false]].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    expect((await listed(a2)).data).to.deep.equal([{ contactId: elsewhere, firstName: 'Grace', lastName: 'Hopper', roles: [], primary: true }]);
    // Moving the primary account moves the contact known by it alone; unlinking it leaves the account.
    expect((await s.send('PATCH', `/sales/contacts/${elsewhere}`, { accountId: a1 })).status).to.equal(200);
    expect(ids((await listed(a2)).data)).to.deep.equal([]);
    expect((await listed(a1)).data.find((c: { contactId: string }) => c.contactId === elsewhere)).to.include({ primary: true });
    await s.send('DELETE', `/sales/contacts/${both}/accounts/${a1}`);
    expect(ids((await listed(a1)).data)).to.deep.equal([elsewhere]);
  });

  it('reads a linked contact as primary where its accountId is, even when a merge filled accountId without re-flagging the link', async () => {
    const a1 = await account();
    const [survivor, loser] = [await contact(), await contact(someone({ accountId: a1 }))];
    await link(survivor, { accountId: a1, roles: ['billing'] });
    await s.send('POST', `/sales/contacts/${survivor}/merge`, { loserId: loser });
    expect((await s.get(`/sales/contacts/${survivor}`)).body.accountId).to.equal(a1);
    expect((await listed(a1)).data.map((c: { contactId: string; roles: string[]; primary: boolean }) => [c.contactId, c.roles, c.primary]))
      .to.deep.equal([[survivor, ['billing'], true]]);
  });

  it('pages across linked contacts and those known by accountId with no duplicate nor gap', async () => {
    const a1 = await account();
    const made: string[] = [];
    for (let i = 0; i < 7; i++) {
      const id = await contact(someone(i % 3 === 0 ? {} : { accountId: a1 }));
      if (i % 3 !== 1) await link(id, { accountId: a1, roles: ['user'] });
      made.push(id);
    }
    for (const limit of [1, 2, 3]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await listed(a1, `?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.data.length).to.be.at.most(limit);
        seen.push(...ids(page.data));
        cursor = page.page.nextCursor;
      } while (cursor !== null);
      expect(seen).to.deep.equal([...made].sort());
    }
    const all = (await listed(a1)).data as Array<{ contactId: string; roles: string[]; primary: boolean }>;
    expect(all.map((c) => [made.indexOf(c.contactId) % 3, c.roles, c.primary]).sort()).to.deep.equal(
      [[0, ['user'], false], [0, ['user'], false], [0, ['user'], false], [1, [], true], [1, [], true], [2, ['user'], true], [2, ['user'], true]].sort(),
    );
  });

  it('leaves out archived and merged contacts known by accountId, and narrows an own-scoped reader to their own', async () => {
    const a1 = await account();
    const rep = await tokenFor(s.server(), { tenantId: 'acme', actorId: 'rep-9', roles: ['sales_rep'] });
    const [kept, archived, survivor, loser] = [await contact(someone({ accountId: a1 })), await contact(someone({ accountId: a1 })), await contact(), await contact(someone({ accountId: a1 }))];
    const mine = await contact(someone({ accountId: a1 }), rep);
    await s.send('POST', `/sales/contacts/${archived}/archive`, {});
    await s.send('POST', `/sales/contacts/${survivor}/merge`, { loserId: loser });
    expect(ids((await listed(a1)).data)).to.have.members([kept, survivor, mine]);
    await s.reachedHead();
    expect(ids(accountContacts(sourceOf(s), 'acme', a1, 'rep-9').data)).to.deep.equal([mine]);
  });

  it('shows another tenant nothing: 404 for the account, and no contact of theirs through their accountId', async () => {
    const a1 = await account();
    await contact(someone({ accountId: a1 }));
    expect((await s.get(`/sales/accounts/${a1}/contacts`, s.globex())).status).to.equal(404);
    const theirs = await account(s.globex());
    const theirContact = await contact(someone({ accountId: theirs }), s.globex());
    expect(ids((await listed(theirs, '', s.globex())).data)).to.deep.equal([theirContact]);
    expect((await s.get(`/sales/accounts/${theirs}/contacts`)).status).to.equal(404);
    expect(accountContacts(sourceOf(s), 'acme', theirs, undefined).data).to.deep.equal([]);
    expect(accountContacts(sourceOf(s), 'globex', a1, undefined).data).to.deep.equal([]);
  });

  it('answers 404, as GET /sales/accounts/:id does, to a reader of their own accounts for another\'s account; their own one lists', async () => {
    const grants = ['sales.accounts:read', 'sales.contacts:read'].map((permission) => ({ permission, scope: 'own' }));
    expect((await s.send('POST', '/api/admin/roles', { name: 'own_accounts', grants })).status).to.equal(201);
    const reader = await tokenFor(s.server(), { tenantId: 'acme', actorId: 'user-admin', roles: ['own_accounts'] });
    const stranger = await tokenFor(s.server(), { tenantId: 'acme', actorId: 'rep-own', roles: ['own_accounts'] });
    const a1 = await account();
    const mine = await contact(someone({ accountId: a1 }));
    const [read, listing] = [await s.get(`/sales/accounts/${a1}`, stranger), await s.get(`/sales/accounts/${a1}/contacts`, stranger)];
    expect([read.status, listing.status, listing.body.code]).to.deep.equal([404, 404, 'not_found']);
    expect(ids((await listed(a1, '', reader)).data)).to.deep.equal([mine]);
  });
});

describe('DELETE /sales/contacts/:id/accounts/:accountId', () => {
  const s = salesSession();
  const contact = async (body: object = someone()): Promise<string> => (await s.send('POST', '/sales/contacts', body)).body.id;
  const account = async (): Promise<string> => (await s.send('POST', '/sales/accounts', { name: 'Initech' })).body.id;

  it('unlinks the account; unlinking the primary one clears accountId; again appends nothing', async () => {
    const a1 = await account();
    const id = await contact(someone({ accountId: a1 }));
    await s.send('POST', `/sales/contacts/${id}/accounts`, { accountId: a1, roles: ['billing'] });
    expect((await s.get(`/sales/accounts/${a1}/contacts`)).body.data).to.have.length(1);
    const res = await s.send('DELETE', `/sales/contacts/${id}/accounts/${a1}`, undefined, undefined, { 'If-Match': '"1"' });
    expect(res.status).to.equal(200);
    const view = (await s.get(`/sales/contacts/${id}`)).body;
    expect(view.accounts).to.deep.equal([]);
    expect(view).to.not.have.property('accountId');
    expect((await s.get(`/sales/accounts/${a1}/contacts`)).body.data).to.deep.equal([]);
    const before = await s.head();
    expect((await s.send('DELETE', `/sales/contacts/${id}/accounts/${a1}`)).status).to.equal(200);
    expect(await s.head()).to.equal(before);
  });

  it('refuses a stale If-Match (412) and another tenant\'s account list (404)', async () => {
    const [id, a1] = [await contact(), await account()];
    await s.send('POST', `/sales/contacts/${id}/accounts`, { accountId: a1, roles: [] });
    const before = await s.head();
    expect((await s.send('DELETE', `/sales/contacts/${id}/accounts/${a1}`, undefined, undefined, { 'If-Match': '"9"' })).status).to.equal(412);
    expect(await s.head()).to.equal(before);
    expect((await s.get(`/sales/accounts/${a1}/contacts`, s.globex())).status).to.equal(404);
  });
});
