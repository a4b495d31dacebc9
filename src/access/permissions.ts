/**
 * The permission catalogue: every `module.resource:action` the API checks. Record resources add
 * their four actions; the rest are the platform, admin, audit and compliance permissions the routes
 * ask for. Custom roles grant only catalogue permissions a tenant may hold (never `platform.*`).
 */
export type CatalogueEntry = { permission: string; module: string; assignable: boolean };

const RECORD_ACTIONS = ['create', 'read', 'update', 'archive'] as const;

const FIXED: readonly string[] = [
  'platform.organizations:create', 'platform.organizations:read', 'platform.organizations:update', 'platform.organizations:offboard',
  'platform.projections:read', 'platform.projections:rebuild',
  'admin.users:create', 'admin.users:read', 'admin.users:update', 'admin.clients:create', 'admin.clients:read', 'admin.clients:update',
  'admin.roles:read', 'admin.roles:create', 'admin.roles:update', 'admin.roles:delete',
  'admin.sessions:read', 'admin.sessions:revoke', 'admin.salesConfig:read', 'admin.salesConfig:update',
  'admin.forms:create', 'admin.forms:read', 'admin.forms:update',
  'audit.chain:read', 'audit.events:read', 'audit.personal:read',
  'sales.reports:read',
  'compliance.classification:read', 'compliance.consents:read', 'compliance.consents:update',
  'compliance.retention:read', 'compliance.retention:update', 'compliance.subjects:read', 'compliance.subjects:erase',
];

/** `module.resource` of a record resource mounted at `/<module>/<resource>`. */
export const resourceOfPath = (path: string): string => path.replace(/^\//, '').replace('/', '.');

/** The catalogue for the record resources mounted at `recordPaths`, sorted. */
export const permissionCatalogue = (recordPaths: readonly string[]): CatalogueEntry[] => {
  const records = recordPaths.flatMap((path) => RECORD_ACTIONS.map((action) => `${resourceOfPath(path)}:${action}`));
  return [...new Set([...records, ...FIXED])].sort().map((permission) => {
    const module = permission.split('.')[0]!;
    return { permission, module, assignable: module !== 'platform' };
  });
};
