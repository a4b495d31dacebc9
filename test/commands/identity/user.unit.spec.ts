import { userDecider } from '../../../src/commands/identity/user.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(userDecider);
const at = '2026-11-23T10:00:00.000Z';
const create = { type: 'CreateUser' as const, userId: 'u1', subjectId: 'u1', email: 'a@acme.example', name: 'A', roles: ['sales_rep'], tenantId: 'acme', customRoles: [], at };
const created = { type: 'UserCreated' as const, data: { userId: 'u1', subjectId: 'u1', email: 'a@acme.example', name: 'A', roles: ['sales_rep'], createdAt: at } };

describe('the user decider', () => {
  it('CreateUser records UserCreated with the roles', () => given().when(create).then(created));

  it('refuses an unknown role (422 unknown_role)', () => given().when({ ...create, roles: ['wizard'] }).thenFails('unknown_role'));

  it('gives platform_admin to platform users only, and platform users only platform_admin', () => {
    given().when({ ...create, roles: ['platform_admin'] }).thenFails('role_not_allowed');
    given().when({ ...create, tenantId: 'platform' }).thenFails('role_not_allowed');
  });

  it('refuses to create a user twice (409 user_exists)', () => given(created).when(create).thenFails('user_exists'));

  it('DeactivateUser records UserDeactivated once, naming the user\'s subject (the reason is encrypted under it)', () => {
    const deactivated = { type: 'UserDeactivated' as const, data: { subjectId: 'u1', reason: 'left', deactivatedAt: at } };
    given(created).when({ type: 'DeactivateUser', reason: 'left', otherTenantAdmins: 0, at }).then(deactivated);
    given(created, deactivated).when({ type: 'DeactivateUser', reason: 'left', otherTenantAdmins: 0, at }).then();
  });

  it('refuses a deactivation reason of whitespace only (422 reason_required)', () => given(created).when({ type: 'DeactivateUser', reason: '  ', otherTenantAdmins: 1, at }).thenFails('reason_required'));

  const invite = { ...create, type: 'InviteUser' as const, expiresAt: '2026-11-30T10:00:00.000Z' };
  const invited = { type: 'UserInvited' as const, data: { userId: 'u1', subjectId: 'u1', email: 'a@acme.example', name: 'A', roles: ['sales_rep'], invitedAt: at, expiresAt: invite.expiresAt } };

  it('InviteUser records UserInvited; AcceptInvitation activates the invited user once', () => {
    given().when(invite).then(invited);
    given(invited).when({ type: 'AcceptInvitation', subjectErased: false, at }).then({ type: 'InvitationAccepted', data: { acceptedAt: at } });
    given(invited, { type: 'InvitationAccepted', data: { acceptedAt: at } }).when({ type: 'AcceptInvitation', subjectErased: false, at }).thenFails('invitation_not_pending');
  });

  it('AssignRoles accepts the tenant\'s custom roles, records only a change, and refuses unknown ones', () => {
    const assign = { type: 'AssignRoles' as const, roles: ['quote_clerk'], tenantId: 'acme', customRoles: ['quote_clerk'], otherTenantAdmins: 0, at };
    given(created).when(assign).then({ type: 'UserRolesAssigned', data: { roles: ['quote_clerk'], assignedAt: at } });
    given(created).when({ ...assign, roles: ['sales_rep'] }).then();
    given(created).when({ ...assign, customRoles: [] }).thenFails('unknown_role');
  });

  it('keeps the organization an active tenant admin: refuses to demote or deactivate the last one (409 last_tenant_admin)', () => {
    const admin = { ...created, data: { ...created.data, roles: ['tenant_admin'] } };
    const demote = { type: 'AssignRoles' as const, roles: ['sales_rep'], tenantId: 'acme', customRoles: [], otherTenantAdmins: 0, at };
    const deactivate = { type: 'DeactivateUser' as const, reason: 'left', otherTenantAdmins: 0, at };
    given(admin).when(demote).thenFails('last_tenant_admin');
    given(admin).when(deactivate).thenFails('last_tenant_admin');
    given(admin).when({ ...demote, roles: ['tenant_admin', 'sales_rep'] }).then({ type: 'UserRolesAssigned', data: { roles: ['tenant_admin', 'sales_rep'], assignedAt: at } });
    given(admin).when({ ...demote, otherTenantAdmins: 1 }).then({ type: 'UserRolesAssigned', data: { roles: ['sales_rep'], assignedAt: at } });
    given(admin).when({ ...deactivate, otherTenantAdmins: 1 }).then({ type: 'UserDeactivated', data: { subjectId: 'u1', reason: 'left', deactivatedAt: at } });
    const invitedAdmin = { ...invited, data: { ...invited.data, roles: ['tenant_admin'] } };
    given(invitedAdmin).when(deactivate).then({ type: 'UserDeactivated', data: { subjectId: invitedAdmin.data.subjectId, reason: 'left', deactivatedAt: at } });
  });

  it('issues a password reset and changes the password of active users only', () => {
    const reset = { type: 'IssuePasswordReset' as const, at, expiresAt: at };
    given(created).when(reset).then({ type: 'PasswordResetIssued', data: { issuedAt: at, expiresAt: at } });
    given(invited).when(reset).thenFails('user_not_active');
    given(invited).when({ type: 'ChangePassword', subjectErased: false, at }).thenFails('user_not_active');
  });

  it('refuses an erased subject\'s invitation or reset link as a dead one (400 token_invalid): the erasure closes the account', () => {
    given(invited).when({ type: 'AcceptInvitation', subjectErased: true, at }).thenFails('token_invalid');
    given(created).when({ type: 'ChangePassword', subjectErased: true, at }).thenFails('token_invalid');
  });
});
