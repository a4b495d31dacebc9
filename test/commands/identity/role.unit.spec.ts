import { roleDecider } from '../../../src/commands/identity/role.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(roleDecider);
const at = '2026-11-23T10:00:00.000Z';
const assignable = ['sales.contacts:read', 'sales.leads:read'];
const grants = [{ permission: 'sales.contacts:read', scope: 'all' as const }];
const define = { type: 'DefineRole' as const, name: 'reader', description: '', grants, assignable, builtIn: false, at };
const defined = { type: 'RoleDefined' as const, data: { name: 'reader', description: '', grants, definedAt: at } };

describe('the custom role decider', () => {
  it('DefineRole records RoleDefined', () => given().when(define).then(defined));

  it('refuses a built-in or taken name (409 role_exists), a permission outside the catalogue (422) and a repeated one (422)', () => {
    given().when({ ...define, builtIn: true }).thenFails('role_exists');
    given(defined).when(define).thenFails('role_exists');
    given().when({ ...define, grants: [{ permission: 'platform.organizations:create', scope: 'all' }] }).thenFails('unknown_permission');
    given().when({ ...define, grants: [...grants, { permission: 'sales.contacts:read', scope: 'own' }] }).thenFails('duplicate_permission');
  });

  it('RedefineRole records a change only', () => {
    const change = { type: 'RedefineRole' as const, grants: [{ permission: 'sales.leads:read', scope: 'own' as const }], assignable, at };
    given(defined).when(change).then({ type: 'RoleRedefined', data: { description: '', grants: change.grants, redefinedAt: at } });
    given(defined).when({ ...change, grants }).then();
    given().when(change).thenFails('not_found');
  });

  it('DeleteRole deletes a defined role, which may then be defined again', () => {
    const deleted = { type: 'RoleDeleted' as const, data: { deletedAt: at } };
    given(defined).when({ type: 'DeleteRole', at }).then(deleted);
    given(defined, deleted).when({ type: 'DeleteRole', at }).thenFails('not_found');
    given(defined, deleted).when(define).then(defined);
  });
});
