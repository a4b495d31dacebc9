/** Request bodies of roles, module licences, invitations and password resets (unknown fields refused). */
import { validator } from '../../commands/validate.js';
import type { Invitation } from '../../commands/identity/invitations.js';
import type { NewRole, RoleChange } from '../../commands/identity/roles.js';
import type { LicensedModules } from '../../events/identity/licence.js';
import { NAME } from '../../events/catalogue.js';

const ROLE_NAME = '^[a-z][a-z0-9_]{1,39}$';
/** Role names are looked up as keys: none may be a property every object or function has (`__proto__` fails the pattern). */
const RESERVED_ROLE_NAMES = ['constructor', 'prototype'];
const description = { type: 'string', maxLength: 500 };
const grants = {
  type: 'array', maxItems: 200,
  items: {
    type: 'object', additionalProperties: false, required: ['permission', 'scope'],
    properties: { permission: { type: 'string', pattern: '^([a-z][a-zA-Z-]*|\\*)\\.([a-z][a-zA-Z-]*|\\*):([a-z]+|\\*)$', maxLength: 100 }, scope: { enum: ['all', 'own'] } },
  },
};

/** Role names a tenant user may hold: built-in or custom, never the platform's. */
export const assignableRoles = {
  type: 'array', minItems: 1, maxItems: 16, uniqueItems: true,
  items: { type: 'string', pattern: ROLE_NAME, not: { const: 'platform_admin' } },
};

export const roleBody = validator<NewRole>({
  type: 'object', additionalProperties: false, required: ['name', 'grants'],
  properties: { name: { type: 'string', pattern: ROLE_NAME, not: { enum: RESERVED_ROLE_NAMES } }, description, grants: { ...grants, minItems: 1 } },
});

export const roleChangeBody = validator<RoleChange>({
  type: 'object', additionalProperties: false, minProperties: 1, properties: { description, grants: { ...grants, minItems: 1 } },
});

export const userRolesBody = validator<{ roles: string[] }>({
  type: 'object', additionalProperties: false, required: ['roles'], properties: { roles: assignableRoles },
});

export const modulesBody = validator<Partial<LicensedModules>>({
  type: 'object', additionalProperties: false, minProperties: 1,
  properties: { sales: { type: 'boolean' }, marketing: { type: 'boolean' }, support: { type: 'boolean' } },
});

export const invitationBody = validator<Invitation>({
  type: 'object', additionalProperties: false, required: ['email', 'name', 'roles'],
  properties: { email: { type: 'string', format: 'email', maxLength: 254 }, name: NAME, roles: assignableRoles },
});

export const newPasswordBody = validator<{ password: string }>({
  type: 'object', additionalProperties: false, required: ['password'], properties: { password: { type: 'string', minLength: 8, maxLength: 1024 } },
});
