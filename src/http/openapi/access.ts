/** The OpenAPI operations of roles, module licences, sessions, invitations, password resets, and reads of users, clients and identity histories. */
import { schemaOf } from '../../commands/validate.js';
import { invitationBody, modulesBody, newPasswordBody, roleBody, roleChangeBody, userRolesBody } from '../identity/access-schemas.js';
import { IF_MATCH, pageOf } from './records.js';
import { body, created, dataOf, json, operation, ref, type Operation, type Schema } from './shapes.js';

const orNull: Schema = { type: ['string', 'null'] };
const identityView = (own: Record<string, Schema>): Schema => ({
  type: 'object', required: ['id', 'roles', 'status', 'createdAt'],
  properties: {
    id: { type: 'string' }, ...own, roles: { type: 'array', items: { type: 'string' } }, status: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' }, updatedAt: { type: 'string', format: 'date-time' }, revision: { type: 'integer' },
  },
});

/** `limit` and `cursor` of a page by id (`queries/identity/pages.ts`). */
export const PAGE_PARAMETERS = [
  { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 }, description: 'Page size' },
  { name: 'cursor', in: 'query', required: false, schema: { type: 'string' }, description: 'The previous page\'s `page.nextCursor`' },
];
const listed = (summary: string, schema: string) => operation(summary, { parameters: PAGE_PARAMETERS, responses: { 200: json(pageOf(ref(schema))) } });
const one = (summary: string, schema: string) => operation(summary, { responses: { 200: json(ref(schema)) } });
const history = (what: string) =>
  operation(`The events of ${what} (its readers, or auditors: personal values withheld without audit.personal:read)`, { responses: { 200: json(ref('History')) } });

const GRANT: Schema = {
  type: 'object', required: ['permission', 'scope'],
  properties: { permission: { type: 'string', description: '`module.resource:action`, `*` for a whole segment' }, scope: { enum: ['all', 'own'] } },
};

/** `GET /api/admin/permissions`: the catalogue (`access/permissions.ts`). */
const PERMISSIONS: Schema = dataOf({
  type: 'object', required: ['permission', 'module', 'assignable'],
  properties: {
    permission: { type: 'string' }, module: { type: 'string' },
    assignable: { type: 'boolean', description: 'Whether a custom role may grant it (platform permissions may not)' },
  },
});

/** `GET /api/admin/roles`: the built-in roles, then the organization's custom ones. */
const ROLES: Schema = dataOf({
  type: 'object', required: ['name', 'builtIn', 'grants'],
  properties: { name: { type: 'string' }, builtIn: { type: 'boolean' }, grants: { type: 'array', items: GRANT } },
});

/** `GET /api/admin/sessions`: one per OAuth grant (`access/oauth/sessions.ts`), all on one page. */
const SESSIONS: Schema = dataOf({
  type: 'object', required: ['id', 'userId', 'clientId', 'createdAt', 'lastUsedAt'],
  properties: {
    id: { type: 'string' }, userId: { type: 'string' }, clientId: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    lastUsedAt: { type: 'string', format: 'date-time', description: 'When its refresh token last rotated (else its start)' },
  },
}, { type: 'object', required: ['nextCursor'], properties: { nextCursor: { type: 'null' } } });

const ACCEPTED = { type: 'object', required: ['userId', 'status'], properties: { userId: { type: 'string' }, status: { const: 'active' } } };

export const accessSchemas = (): Record<string, Schema> => ({
  Permissions: PERMISSIONS,
  Roles: ROLES,
  Sessions: SESSIONS,
  NewRole: schemaOf(roleBody) as Schema,
  RoleChange: schemaOf(roleChangeBody) as Schema,
  UserRoles: schemaOf(userRolesBody) as Schema,
  Modules: schemaOf(modulesBody) as Schema,
  Invitation: schemaOf(invitationBody) as Schema,
  NewPassword: schemaOf(newPasswordBody) as Schema,
  AdminUser: identityView({
    email: orNull, name: orNull, erasedFields: { type: 'array', items: { type: 'string' } },
    erased: { type: 'boolean', description: 'Whether the user was erased (their status is then `deactivated`)' },
  }),
  ApiClient: identityView({ name: { type: 'string' } }),
});

const write = (summary: string, schema: string, status = 200, parameters: object[] = []) => operation(summary, {
  ...(parameters.length > 0 ? { parameters } : {}),
  requestBody: body(ref(schema)),
  responses: { [status]: status === 201 ? created(ref('WriteResult')) : json(ref('WriteResult')) },
});
const written = (summary: string, status = 200) => operation(summary, { responses: { [status]: json(ref('WriteResult')) } });

export const accessOperations = (): Record<string, Operation> => ({
  'GET /api/admin/permissions': operation('The permission catalogue (`module.resource:action`)', { responses: { 200: json(ref('Permissions')) } }),
  'GET /api/admin/roles': operation('Built-in and custom roles of the caller\'s organization', { responses: { 200: json(ref('Roles')) } }),
  'POST /api/admin/roles': write('Define a custom role from catalogue permissions', 'NewRole', 201),
  'PATCH /api/admin/roles/:name': write('Redefine a custom role (applies at once to its holders)', 'RoleChange', 200, [IF_MATCH]),
  'DELETE /api/admin/roles/:name': written('Delete a custom role'),
  'PUT /api/admin/users/:id/roles': write('Replace a user\'s roles (from their next access token)', 'UserRoles'),
  'POST /api/admin/users/invite': write('Invite a user: answers a single-use invitation token for the admin to deliver', 'Invitation', 201),
  'POST /api/admin/users/:id/reset-password': written('Issue a single-use password reset token for the admin to deliver', 201),
  'PUT /api/superadmin/organizations/:id/modules': write('Enable or disable modules of an organization', 'Modules'),
  'GET /api/admin/users': listed('The users of the caller\'s organization, by id (email and name decrypted)', 'AdminUser'),
  'GET /api/admin/users/:id': one('A user of the caller\'s organization', 'AdminUser'),
  'GET /api/admin/users/:id/history': history('a user'),
  'GET /api/admin/clients': listed('The integration clients of the caller\'s organization, by id (never their secret)', 'ApiClient'),
  'GET /api/admin/clients/:id': one('An integration client of the caller\'s organization', 'ApiClient'),
  'GET /api/admin/clients/:id/history': history('an integration client'),
  'GET /api/admin/roles/:name/history': history('a custom role'),
  'GET /api/superadmin/organizations/:id/history': history('an organization'),
  'GET /api/admin/sessions': operation('The OAuth sessions of the organization\'s users', { responses: { 200: json(ref('Sessions')) } }),
  'DELETE /api/admin/sessions/:id': operation('Revoke a session and its refresh tokens', { responses: { 204: { description: 'Revoked' } } }),
  'POST /api/public/invitations/:token/accept': operation('Accept an invitation with a password (the token is the credential)', {
    requestBody: body(ref('NewPassword')), responses: { 200: json(ACCEPTED, 'The user is active') },
  }),
  'POST /api/public/password-resets/:token': operation('Set a new password from a reset token; ends the user\'s sessions', {
    requestBody: body(ref('NewPassword')), responses: { 204: { description: 'Password changed' } },
  }),
});
