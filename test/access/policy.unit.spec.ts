import { expect } from 'chai';
import { authorize, rowScope } from '../../src/access/policy.js';
import type { Principal } from '../../src/access/principal.js';
import { permissionCatalogue } from '../../src/access/permissions.js';

const principal = (roles: string[], customRoles?: Principal['customRoles']): Principal => ({ actorId: 'a', tenantId: 'acme', roles, clientId: 'c', customRoles });

describe('the access policy with custom roles', () => {
  it('grants what the principal\'s resolved custom roles grant, with their scope', () => {
    const custom = { clerk: [{ pattern: 'sales.contacts:read', scope: 'all' as const }, { pattern: 'sales.contacts:update', scope: 'own' as const }] };
    expect(rowScope(principal(['clerk'], custom), 'sales.contacts:read')).to.equal('all');
    expect(rowScope(principal(['clerk'], custom), 'sales.contacts:update')).to.equal('own');
    expect(() => authorize(principal(['clerk'], custom), 'sales.contacts:update', { ownerId: 'b' })).to.throw().with.property('code', 'forbidden');
  });

  it('denies by default: a role name it cannot resolve grants nothing', () => {
    expect(rowScope(principal(['clerk']), 'sales.contacts:read')).to.equal('none');
    expect(rowScope(principal(['toString']), 'sales.contacts:read')).to.equal('none');
    expect(rowScope(principal(['constructor'], {}), 'sales.contacts:read')).to.equal('none');
    expect(rowScope(principal(['constructor', 'clerk'], { clerk: [] }), 'sales.contacts:read')).to.equal('none');
  });
});

describe('permissionCatalogue', () => {
  it('derives each record resource\'s actions from its mount path, beside the fixed permissions', () => {
    const catalogue = permissionCatalogue(['/sales/contacts']).map((e) => e.permission);
    expect(catalogue).to.include.members(['sales.contacts:create', 'sales.contacts:read', 'sales.contacts:update', 'sales.contacts:archive', 'admin.roles:create']);
    expect(catalogue).to.deep.equal([...catalogue].sort());
  });
});
