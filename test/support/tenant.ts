/** An organization with its first admin, and users in it, made through the real API. */
import { expect } from 'chai';
import { call, tokenFor } from './http.js';
import { logIn } from './oauth.js';
import type { TestServer } from './server.js';

export const PASSWORD = 'long enough password';

export const platformToken = (server: TestServer): Promise<string> =>
  tokenFor(server, { tenantId: 'platform', actorId: 'root', roles: ['platform_admin'] });

/** Creates the organization `slug`; answers its admin's signed-in access token. */
export const createTenant = async (server: TestServer, slug: string): Promise<string> => {
  const admin = { email: `admin@${slug}.example`, password: PASSWORD, name: `Admin of ${slug}` };
  const created = await call(server, 'POST', '/api/superadmin/organizations', { token: await platformToken(server), body: { name: `Org ${slug}`, slug, admin } });
  expect(created.status, JSON.stringify(created.body)).to.equal(201);
  return (await logIn(server, admin.email, PASSWORD)).body.access_token!;
};

/** Creates a user with `roles` through the admin's token; answers their id. */
export const createUserIn = async (server: TestServer, adminToken: string, email: string, roles: string[]): Promise<string> => {
  const res = await call(server, 'POST', '/api/admin/users', { token: adminToken, body: { email, password: PASSWORD, name: 'Test User', roles } });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body.id;
};
