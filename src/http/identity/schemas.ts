/** Request bodies of the identity routes (ajv, unknown fields refused, sizes bounded). */
import { validator } from '../../commands/validate.js';
import { ROLES } from '../../access/policy.js';
import type { NewOrganization, NewUser } from '../../commands/identity/accounts.js';
import type { NewApiClient } from '../../commands/identity/api-clients.js';
import { assignableRoles } from './access-schemas.js';
import { NAME as name } from '../../events/catalogue.js';

const email = { type: 'string', format: 'email', maxLength: 254 };
const password = { type: 'string', minLength: 8, maxLength: 1024 };
const reason = { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: { type: 'string', minLength: 3, maxLength: 500 } } };

// 2 to 63 lowercase letters, digits and single inner hyphens: `acme-corp`, not `acme-`, `-acme` or `ac--me`.
const SLUG = '^(?=.{2,63}$)[a-z0-9]+(-[a-z0-9]+)*$';

const person = { type: 'object', additionalProperties: false, required: ['email', 'password', 'name'], properties: { email, password, name } };

export const organizationBody = validator<NewOrganization>({
  type: 'object',
  additionalProperties: false,
  required: ['name', 'slug', 'admin'],
  properties: { name, slug: { type: 'string', pattern: SLUG }, admin: person },
});

const tenantRoles = { type: 'array', minItems: 1, maxItems: 8, uniqueItems: true, items: { enum: Object.keys(ROLES).filter((r) => r !== 'platform_admin') } };

export const apiClientBody = validator<NewApiClient>({
  type: 'object', additionalProperties: false, required: ['name', 'roles'], properties: { name, roles: tenantRoles },
});

export const userBody = validator<NewUser>({
  type: 'object',
  additionalProperties: false,
  required: ['email', 'password', 'name', 'roles'],
  properties: {
    ...person.properties,
    roles: assignableRoles,
  },
});

export const reasonBody = validator<{ reason: string }>(reason);
