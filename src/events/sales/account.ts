/**
 * Accounts (Sales): the companies a tenant deals with. An account is not about a person, so it
 * holds no personal fields and has no data subject; its contacts point at it (`accountId`).
 */
import { NAME, type RecordKind } from '../catalogue.js';

const ADDRESS = {
  type: 'object',
  additionalProperties: false,
  properties: {
    street: { type: 'string', maxLength: 200 },
    city: { type: 'string', maxLength: 100 },
    postalCode: { type: 'string', maxLength: 20 },
    region: { type: 'string', maxLength: 100 },
    country: { type: 'string', pattern: '^[A-Z]{2}$' },
  },
};

export const accountKind: RecordKind = {
  type: 'sales.account',
  eventPrefix: 'Account',
  fields: {
    name: { ...NAME, examples: ['Analytical Engines Ltd'] },
    domain: { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$', maxLength: 253 },
    website: { type: 'string', format: 'uri', maxLength: 500 },
    industry: { type: 'string', minLength: 1, maxLength: 100 },
    size: { type: 'string', enum: ['1-10', '11-50', '51-200', '201-1000', '1001-5000', '5000+'] },
    employees: { type: 'integer', minimum: 0, maximum: 10_000_000 },
    phone: { type: 'string', pattern: '^\\+?[0-9 ().-]{3,40}$', maxLength: 40 },
    address: ADDRESS,
    description: { type: 'string', maxLength: 2000 },
  },
  required: ['name'],
  personal: [],
  classification: {
    name: 'public', domain: 'public', website: 'public', industry: 'internal', size: 'internal',
    employees: 'internal', phone: 'confidential', address: 'confidential', description: 'internal',
  },
  filterable: ['name', 'domain', 'industry', 'size', 'employees', 'address.country', 'address.city'],
  sortable: ['name', 'industry', 'employees'],
  searchable: ['name', 'domain', 'industry', 'description'],
};
