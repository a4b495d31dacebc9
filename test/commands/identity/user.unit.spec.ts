import { userDecider } from '../../../src/commands/identity/user.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(userDecider);
const at = '2026-11-23T10:00:00.000Z';
const create = { type: 'CreateUser' as const, userId: 'u1', subjectId: 'u1', email: 'a@acme.example', name: 'A', roles: ['sales_rep'], tenantId: 'acme', at };
const created = { type: 'UserCreated' as const, data: { userId: 'u1', subjectId: 'u1', email: 'a@acme.example', name: 'A', roles: ['sales_rep'], createdAt: at } };

describe('the user decider', () => {
  it('CreateUser records UserCreated with the roles', () => given().when(create).then(created));

  it('refuses an unknown role (422 unknown_role)', () => given().when({ ...create, roles: ['wizard'] }).thenFails('unknown_role'));

  it('gives platform_admin to platform users only, and platform users only platform_admin', () => {
    given().when({ ...create, roles: ['platform_admin'] }).thenFails('role_not_allowed');
    given().when({ ...create, tenantId: 'platform' }).thenFails('role_not_allowed');
  });

  it('refuses to create a user twice (409 user_exists)', () => given(created).when(create).thenFails('user_exists'));

  it('DeactivateUser records UserDeactivated once', () => {
    const deactivated = { type: 'UserDeactivated' as const, data: { reason: 'left', deactivatedAt: at } };
    given(created).when({ type: 'DeactivateUser', reason: 'left', at }).then(deactivated);
    given(created, deactivated).when({ type: 'DeactivateUser', reason: 'left', at }).then();
  });
});
