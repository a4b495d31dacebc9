import { expect } from 'chai';
import { commandIdFor, recordIdFor } from '../../../src/commands/event-ids.js';
import { handleCommand } from '../../../src/commands/handle.js';
import { targetAggregate } from '../../../src/commands/sales/target.js';
import type { JsonObject } from '../../../src/events/log/port.js';
import { DEFAULT_SALES_CONFIG } from '../../../src/events/sales/config.js';
import { tokenFor } from '../../support/http.js';
import { createUserIn } from '../../support/tenant.js';
import { salesSession } from './session.js';
import { MISSING, refusalsOf, tenantUsers, written } from './tenant-users.js';

describe('/sales/targets assignee: its user and its team\'s members are users of the tenant', () => {
  const s = salesSession();
  const { send, get, admin } = s;
  let periods = 0;
  /** A target of `assignee` for a period of its own (no two collide on the unique key). */
  const target = (assignee: object, extra: object = {}) => ({ assignee, period: String(2030 + (periods += 1)), metric: 'won_deals', quota: 3, ...extra });
  const user = (id: string) => ({ type: 'user', id });
  const team = (members: string[]) => ({ type: 'team', id: 'squad', members });
  const userIn = (email: string): Promise<string> => createUserIn(s.server(), admin(), email, ['sales_rep']);
  const ok = (method: string, path: string, body: object = {}, token?: string) => written(s, method, path, body, token);
  const deactivate = (id: string) => ok('POST', `/api/admin/users/${id}/deactivate`, { reason: 'left the company' });
  const users = tenantUsers(s, 'assignees.example');
  let other = '';
  before(async () => (other = await userIn('other@assignees.example')));

  /** Sends each body; every answer must be a refusal that appended nothing. */
  const refused = async (method: string, path: string, bodies: object[], token?: string) =>
    (await refusalsOf(s, method, path, bodies, token)).map((r) => ({ status: r.status, code: r.body.code, ids: r.body.ids, errors: r.body.errors }));
  const at = (pointer: string, message: string) => ({ pointer, message });
  const unknownAt = (pointer: string) => at(pointer, 'names no user of this tenant');
  const inactiveAt = (pointer: string) => at(pointer, 'names a user who is deactivated or erased');
  const notFound = (ids: string[], pointers: string[]) => ({ status: 422, code: 'assignee_not_found', ids, errors: pointers.map(unknownAt) });
  const notActive = (ids: string[], pointers: string[]) => ({ status: 422, code: 'assignee_not_active', ids, errors: pointers.map(inactiveAt) });
  /** Free text, an id naming nothing, another tenant's user: none is a user of the tenant. */
  const strangers = () => ['rep-2', MISSING, users.theirs];

  describe('POST /sales/targets', () => {
    it('refuses a user who is no user of the tenant (422 assignee_not_found at /assignee/id), appending nothing', async () => {
      const answers = await refused('POST', '/sales/targets', strangers().map((id) => target(user(id))));
      expect(answers).to.deep.equal(strangers().map((id) => notFound([id], ['/assignee/id'])));
    });

    it('refuses a deactivated or erased user (422 assignee_not_active), appending nothing', async () => {
      const answers = await refused('POST', '/sales/targets', [target(user(users.deactivated)), target(user(users.erased))]);
      expect(answers).to.deep.equal([notActive([users.deactivated], ['/assignee/id']), notActive([users.erased], ['/assignee/id'])]);
    });

    it('points at each unknown member of a team, then at each inactive one', async () => {
      const mixed = [users.active, 'rep-2', users.deactivated, users.theirs, users.erased];
      const answers = await refused('POST', '/sales/targets', [target(team(mixed)), target(team([users.active, users.deactivated, users.erased]))]);
      expect(answers).to.deep.equal([
        notFound(['rep-2', users.theirs], ['/assignee/members/1', '/assignee/members/3']),
        notActive([users.deactivated, users.erased], ['/assignee/members/1', '/assignee/members/2']),
      ]);
    });

    it('gives the quota to active or invited users of the tenant', async () => {
      const { id } = await ok('POST', '/sales/targets', target(user(users.invited)));
      expect((await get(`/sales/targets/${id}`)).body.assignee).to.deep.equal(user(users.invited));
      const squad = await ok('POST', '/sales/targets', target(team([users.active, users.invited])));
      expect((await get(`/sales/targets/${squad.id}`)).body.assignee).to.deep.equal(team([users.active, users.invited]));
    });

    it('does not look up the caller: an integration\'s quota of its own is attained by the records it owns', async () => {
      const integration = await tokenFor(s.server(), { tenantId: 'acme', actorId: 'client-erp', roles: ['sales_manager'] });
      await ok('POST', '/sales/targets', target(user('client-erp')), integration);
      await ok('POST', '/sales/targets', target(team(['client-erp', users.active])), integration);
      const answers = await refused('POST', '/sales/targets', [target(team(['client-erp', 'rep-2']))], integration);
      expect(answers).to.deep.equal([notFound(['rep-2'], ['/assignee/members/1'])]);
    });
  });

  describe('PATCH /sales/targets/:id', () => {
    it('refuses naming an unknown or inactive user, whole or as a merge patch, the target unchanged', async () => {
      const { id } = await ok('POST', '/sales/targets', target(user(users.active)));
      const answers = await refused('PATCH', `/sales/targets/${id}`, [
        { assignee: user('rep-2') }, { assignee: { id: users.theirs } }, { assignee: { id: users.deactivated } },
      ]);
      expect(answers).to.deep.equal([
        notFound(['rep-2'], ['/assignee/id']), notFound([users.theirs], ['/assignee/id']), notActive([users.deactivated], ['/assignee/id']),
      ]);
      expect((await get(`/sales/targets/${id}`)).body).to.deep.include({ assignee: user(users.active), revision: 0 });
    });

    it('refuses a team\'s new members at their place, and a team made a user named by its team name', async () => {
      const { id } = await ok('POST', '/sales/targets', target(team([users.active])));
      const answers = await refused('PATCH', `/sales/targets/${id}`, [
        { assignee: { members: [users.active, MISSING] } },
        { assignee: { members: [users.erased, users.active] } },
        { assignee: { type: 'user', members: null } },
      ]);
      expect(answers).to.deep.equal([
        notFound([MISSING], ['/assignee/members/1']), notActive([users.erased], ['/assignee/members/0']), notFound(['squad'], ['/assignee/id']),
      ]);
      await ok('PATCH', `/sales/targets/${id}`, { assignee: { members: [users.active, other] } });
      expect((await get(`/sales/targets/${id}`)).body.assignee).to.deep.equal(team([users.active, other]));
    });

    it('answers the policy first: an own-scoped caller naming an unknown user on another\'s target gets 403', async () => {
      const grants = ['sales.targets:read', 'sales.targets:update'].map((permission) => ({ permission, scope: 'own' }));
      expect((await send('POST', '/api/admin/roles', { name: 'own_quotas', grants })).status).to.equal(201);
      const keeper = await tokenFor(s.server(), { tenantId: 'acme', actorId: users.active, roles: ['own_quotas'] });
      const { id } = await ok('POST', '/sales/targets', target(user(other)));
      const answers = await refused('PATCH', `/sales/targets/${id}`, [{ assignee: user('rep-2') }], keeper);
      expect(answers.map((a) => [a.status, a.code])).to.deep.equal([[403, 'forbidden']]);
    });
  });

  describe('a target whose people are deactivated later', () => {
    it('stays readable and writable while the change keeps them; naming them anew is refused', async () => {
      const [leaving, staying] = [await userIn('leaving@assignees.example'), await userIn('staying@assignees.example')];
      const { id } = await ok('POST', '/sales/targets', target(user(leaving)));
      const squad = await ok('POST', '/sales/targets', target(team([leaving, staying])));
      await deactivate(leaving);
      expect((await get(`/sales/targets/${id}`)).status).to.equal(200);
      await ok('PATCH', `/sales/targets/${id}`, { quota: 4, assignee: user(leaving) });
      await ok('PATCH', `/sales/targets/${id}`, { assignee: team([staying, leaving]) });
      await ok('PATCH', `/sales/targets/${squad.id}`, { name: 'Renamed', assignee: { id: 'north', members: [leaving, staying, users.active] } });
      expect((await get(`/sales/targets/${squad.id}`)).body).to.deep.include({ name: 'Renamed', assignee: { type: 'team', id: 'north', members: [leaving, staying, users.active] } });
      const other = await ok('POST', '/sales/targets', target(user(staying)));
      const answers = await refused('PATCH', `/sales/targets/${other.id}`, [{ assignee: { id: leaving } }, { assignee: team([staying, leaving]) }]);
      expect(answers).to.deep.equal([notActive([leaving], ['/assignee/id']), notActive([leaving], ['/assignee/members/1'])]);
    });

    it('keeps a target stored before assignees were checked writable, unless a change names an unknown user anew', async () => {
      const context = { tenantId: 'acme', actorId: 'user-admin', commandId: commandIdFor('acme', 'legacy-target'), correlationId: 'legacy', now: new Date() };
      const id = recordIdFor(context.commandId);
      const command = { type: 'CreateRecord' as const, fields: target(team(['rep-typo', users.active])) as JsonObject, ownerId: 'user-admin', tags: [], config: DEFAULT_SALES_CONFIG };
      await handleCommand(s.server(), targetAggregate, { id, command, context });
      await ok('PATCH', `/sales/targets/${id}`, { quota: 9, assignee: { id: 'renamed' } });
      const answers = await refused('PATCH', `/sales/targets/${id}`, [{ assignee: { members: ['rep-typo', 'rep-other-typo'] } }]);
      expect(answers).to.deep.equal([notFound(['rep-other-typo'], ['/assignee/members/1'])]);
      await ok('PATCH', `/sales/targets/${id}`, { assignee: { members: [users.active] } });
      expect((await get(`/sales/targets/${id}`)).body).to.deep.include({ quota: 9, assignee: { type: 'team', id: 'renamed', members: [users.active] } });
    });
  });
});
