/** The OpenAPI operations of roles, module licences, sessions, invitations and password resets. */
import { schemaOf } from '../../commands/validate.js';
import { invitationBody, modulesBody, newPasswordBody, roleBody, roleChangeBody, userRolesBody } from '../identity/access-schemas.js';
import { body, json, operation, ref, type Operation, type Schema } from './shapes.js';

export const accessSchemas = (): Record<string, Schema> => ({
  NewRole: schemaOf(roleBody) as Schema,
  RoleChange: schemaOf(roleChangeBody) as Schema,
  UserRoles: schemaOf(userRolesBody) as Schema,
  Modules: schemaOf(modulesBody) as Schema,
  Invitation: schemaOf(invitationBody) as Schema,
  NewPassword: schemaOf(newPasswordBody) as Schema,
});

const write = (summary: string, schema: string, status = 200) =>
  operation(summary, { requestBody: body(ref(schema)), responses: { [status]: json(ref('WriteResult')) } });
const written = (summary: string, status = 200) => operation(summary, { responses: { [status]: json(ref('WriteResult')) } });

export const accessOperations = (): Record<string, Operation> => ({
  'GET /api/admin/permissions': operation('The permission catalogue (`module.resource:action`)'),
  'GET /api/admin/roles': operation('Built-in and custom roles of the caller\'s organization'),
  'POST /api/admin/roles': write('Define a custom role from catalogue permissions', 'NewRole', 201),
  'PATCH /api/admin/roles/:name': write('Redefine a custom role (applies at once to its holders)', 'RoleChange'),
  'DELETE /api/admin/roles/:name': written('Delete a custom role'),
  'PUT /api/admin/users/:id/roles': write('Replace a user\'s roles (from their next access token)', 'UserRoles'),
  'POST /api/admin/users/invite': write('Invite a user: answers a single-use invitation token for the admin to deliver', 'Invitation', 201),
  'POST /api/admin/users/:id/reset-password': written('Issue a single-use password reset token for the admin to deliver', 201),
  'PUT /api/superadmin/organizations/:id/modules': write('Enable or disable modules of an organization', 'Modules'),
  'GET /api/admin/sessions': operation('The OAuth sessions of the organization\'s users'),
  'DELETE /api/admin/sessions/:id': operation('Revoke a session and its refresh tokens', { responses: { 204: { description: 'Revoked' } } }),
  'POST /api/public/invitations/:token/accept': write('Accept an invitation with a password (the token is the credential)', 'NewPassword'),
  'POST /api/public/password-resets/:token': operation('Set a new password from a reset token; ends the user\'s sessions', {
    requestBody: body(ref('NewPassword')), responses: { 204: { description: 'Password changed' } },
  }),
});
