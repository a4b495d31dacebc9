import { expect } from 'chai';
import { tokenFor } from '../../support/http.js';
import { createUserIn } from '../../support/tenant.js';
import { salesSession } from './session.js';
import { MISSING, refusalsOf, tenantUsers, written } from './tenant-users.js';

describe('Record owners (ownerId): a user of the tenant who may be given work', () => {
  const s = salesSession();
  const { get, admin } = s;
  let people = 0;
  const person = (extra: object = {}) => ({ firstName: 'Ada', lastName: 'Lovelace', email: `ada.owner.${(people += 1)}@example.org`, ...extra });
  const userIn = (email: string): Promise<string> => createUserIn(s.server(), admin(), email, ['sales_rep']);
  const ok = (method: string, path: string, body: object = {}, token?: string) => written(s, method, path, body, token);
  const users = tenantUsers(s, 'owners.example');

  /** Sends each body; every answer must be a refusal that appended nothing. */
  const refused = async (method: string, path: string, bodies: object[], token?: string) =>
    (await refusalsOf(s, method, path, bodies, token)).map((r) => ({ status: r.status, code: r.body.code, errors: r.body.errors, id: r.body.id }));
  const notFound = (id: string) => ({ status: 422, code: 'owner_not_found', errors: [{ pointer: '/ownerId', message: 'names no user of this tenant' }], id });
  const notActive = (id: string) => ({ status: 422, code: 'owner_not_active', errors: [{ pointer: '/ownerId', message: 'names a user who is deactivated or erased' }], id });
  /** Free text, an id naming nothing, a record's id, another tenant's user: none is a user of the tenant. */
  const strangers = () => ['rep-2', MISSING, users.theirs];

  describe('POST /sales/contacts { ownerId }', () => {
    it('refuses an owner who is no user of the tenant (422 owner_not_found, pointing at /ownerId), appending nothing', async () => {
      const answers = await refused('POST', '/sales/contacts', strangers().map((ownerId) => person({ ownerId })));
      expect(answers).to.deep.equal(strangers().map(notFound));
    });

    it('refuses a deactivated or erased user (422 owner_not_active), appending nothing', async () => {
      const answers = await refused('POST', '/sales/contacts', [person({ ownerId: users.deactivated }), person({ ownerId: users.erased })]);
      expect(answers).to.deep.equal([notActive(users.deactivated), notActive(users.erased)]);
    });

    it('gives the record to an active or invited user of the tenant', async () => {
      for (const ownerId of [users.active, users.invited]) {
        const { id } = await ok('POST', '/sales/contacts', person({ ownerId }));
        expect((await get(`/sales/contacts/${id}`)).body.ownerId).to.equal(ownerId);
      }
    });

    it('does not check the caller as owner, by default or named: an integration\'s actor need not be a user', async () => {
      const integration = await tokenFor(s.server(), { tenantId: 'acme', actorId: 'client-erp', roles: ['sales_manager'] });
      const byDefault = await ok('POST', '/sales/contacts', person(), integration);
      const named = await ok('POST', '/sales/contacts', person({ ownerId: 'client-erp' }), integration);
      for (const { id } of [byDefault, named]) expect((await get(`/sales/contacts/${id}`)).body.ownerId).to.equal('client-erp');
    });
  });

  describe('the other record kinds', () => {
    it('refuse an unknown and a deactivated owner alike on create, appending nothing', async () => {
      const { id: contactId } = await ok('POST', '/sales/contacts', person());
      const bodies: Record<string, object> = {
        '/sales/accounts': { name: 'Initech' },
        '/sales/leads': person(),
        '/sales/opportunities': { name: 'Deal' },
        '/sales/activities': { kind: 'note', subject: 'Met', linkedTo: { type: 'contact', id: contactId } },
        '/sales/targets': { assignee: { type: 'user', id: users.active }, period: '2026-Q4', metric: 'won_deals', quota: 3 },
      };
      for (const [path, body] of Object.entries(bodies)) {
        const answers = await refused('POST', path, [{ ...body, ownerId: 'rep-2' }, { ...body, ownerId: users.deactivated }]);
        expect(answers.map((a) => a.code), path).to.deep.equal(['owner_not_found', 'owner_not_active']);
      }
    });
  });

  describe('PUT /sales/:resource/:id/owner', () => {
    it('refuses an unknown, a deactivated and an erased user (422), the record keeping its owner', async () => {
      const { id } = await ok('POST', '/sales/opportunities', { name: 'Deal', ownerId: users.active });
      const answers = await refused('PUT', `/sales/opportunities/${id}/owner`, [...strangers(), users.deactivated, users.erased].map((ownerId) => ({ ownerId })));
      expect(answers).to.deep.equal([...strangers().map(notFound), notActive(users.deactivated), notActive(users.erased)]);
      expect((await get(`/sales/opportunities/${id}`)).body).to.include({ ownerId: users.active, revision: 0 });
      await ok('PUT', `/sales/opportunities/${id}/owner`, { ownerId: users.invited });
      expect((await get(`/sales/opportunities/${id}`)).body.ownerId).to.equal(users.invited);
    });

    it('answers the policy first: an own-scoped caller reassigning another\'s record gets 403, not the owner\'s refusal', async () => {
      const rep = await tokenFor(s.server(), { tenantId: 'acme', actorId: users.active, roles: ['sales_rep'] });
      const { id } = await ok('POST', '/sales/accounts', { name: 'Not theirs' });
      const answers = await refused('PUT', `/sales/accounts/${id}/owner`, [{ ownerId: 'rep-2' }, { ownerId: users.deactivated }], rep);
      expect(answers.map((a) => [a.status, a.code])).to.deep.equal([[403, 'forbidden'], [403, 'forbidden']]);
    });
  });

  describe('a record whose owner is deactivated later', () => {
    it('stays writable: its fields, tags and the same owner sent again change without a refusal', async () => {
      const owner = await userIn('leaving@owners.example');
      const { id } = await ok('POST', '/sales/contacts', person({ ownerId: owner }));
      await ok('POST', `/api/admin/users/${owner}/deactivate`, { reason: 'left the company' });
      await ok('PATCH', `/sales/contacts/${id}`, { city: 'Oslo' });
      await ok('POST', `/sales/contacts/${id}/tags`, { add: ['kept'] });
      const again = await ok('PUT', `/sales/contacts/${id}/owner`, { ownerId: owner });
      expect(again.revision).to.equal(2);
      expect((await get(`/sales/contacts/${id}`)).body).to.include({ ownerId: owner, city: 'Oslo', revision: 2 });
    });

    it('is converted with its lead\'s owner: an owner carried by the server is not checked again', async () => {
      const owner = await userIn('converted@owners.example');
      const { id } = await ok('POST', '/sales/leads', person({ ownerId: owner, company: 'Carried Ltd' }));
      await ok('POST', `/api/admin/users/${owner}/deactivate`, { reason: 'left the company' });
      const converted = await ok('POST', `/sales/leads/${id}/convert`, { opportunity: { name: 'Carried', amount: { amount: 100, currency: 'EUR' } } });
      for (const path of [`/sales/contacts/${converted.contactId}`, `/sales/accounts/${converted.accountId}`, `/sales/opportunities/${converted.opportunityId}`]) {
        expect((await get(path)).body.ownerId, path).to.equal(owner);
      }
    });
  });

  describe('POST /sales/imports/contacts with an ownerId column', () => {
    it('reports each row whose owner may not own records (code and pointer), creating nothing for it, and imports the others', async () => {
      const rows = [
        'firstName,lastName,email,ownerId',
        `Ok,Row,ok.row@owners.example,${users.active}`,
        'Typo,Row,typo.row@owners.example,rep-2',
        `Gone,Row,gone.row@owners.example,${users.deactivated}`,
        'Mine,Row,mine.row@owners.example,',
      ].join('\n');
      const res = await fetch(`${s.server().url}/sales/imports/contacts`, {
        method: 'POST', headers: { Authorization: `Bearer ${admin()}`, 'Content-Type': 'text/csv' }, body: `${rows}\n`,
      });
      const summary = (await res.json()) as { created: number; failed: number; errors: Array<{ row: number; code: string; errors?: unknown }> };
      expect([res.status, summary.created, summary.failed]).to.deep.equal([200, 2, 2]);
      expect(summary.errors.map(({ row, code, errors }) => ({ row, code, errors }))).to.deep.equal([
        { row: 3, code: 'owner_not_found', errors: [{ pointer: '/ownerId', message: 'names no user of this tenant' }] },
        { row: 4, code: 'owner_not_active', errors: [{ pointer: '/ownerId', message: 'names a user who is deactivated or erased' }] },
      ]);
      await s.reachedHead();
      const imported = (await get(`/sales/contacts?filter=${encodeURIComponent('lastName[eq]:"Row"')}&sort=firstName`)).body.data;
      expect(imported.map((c: { firstName: string; ownerId: string }) => [c.firstName, c.ownerId])).to.deep.equal([['Mine', 'user-admin'], ['Ok', users.active]]);
    });
  });
});
