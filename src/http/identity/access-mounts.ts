/** Where the access-administration routers are mounted in the API: permissions, roles, sessions. */
import type Router from '@koa/router';
import type { OAuthSessions } from '../../access/oauth/sessions.js';
import { permissionCatalogue } from '../../access/permissions.js';
import type { IdentityRouteDeps } from './organizations.js';
import { permissionRoutes, roleRoutes } from './roles.js';
import { sessionRoutes } from './sessions.js';

export const accessMounts = (deps: IdentityRouteDeps, recordPaths: readonly string[], sessions?: OAuthSessions): { path: string; router: Router }[] => {
  const catalogue = permissionCatalogue(recordPaths);
  return [
    { path: '/api/admin/permissions', router: permissionRoutes(catalogue) },
    { path: '/api/admin/roles', router: roleRoutes({ ...deps, catalogue }) },
    ...(sessions ? [{ path: '/api/admin/sessions', router: sessionRoutes({ directory: deps.directory, sessions }) }] : []),
  ];
};
