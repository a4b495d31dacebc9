/**
 * The setup the compliance end-to-end specs share: the real server, a tenant admin of `acme` (the
 * data-protection officer), a platform super admin, and contacts created as the people data
 * subjects are. Call inside `describe`.
 */
import { startTestServer, type TestServer } from '../../support/server.js';
import { call, tokenFor } from '../../support/http.js';

export type Person = { id: string; subjectId: string };

export type ComplianceSession = {
  server: () => TestServer;
  admin: () => string;
  /** A platform super admin (offboarding is theirs). */
  platform: () => string;
  /** Creates a contact of `acme` and answers its id and subject id. */
  person: (body: Record<string, string>, token?: string) => Promise<Person>;
};

export const complianceSession = (env: Record<string, string> = {}): ComplianceSession => {
  let server: TestServer;
  let admin = '';
  let platform = '';
  before(async () => {
    server = await startTestServer(env);
    admin = await tokenFor(server, { tenantId: 'acme', actorId: 'dpo-1', roles: ['tenant_admin'] });
    platform = await tokenFor(server, { tenantId: 'platform', actorId: 'root', roles: ['platform_admin'] });
  });
  after(async () => server.dispose());
  return {
    server: () => server,
    admin: () => admin,
    platform: () => platform,
    person: async (body, token = admin) => {
      const created = await call(server, 'POST', '/sales/contacts', { token, body });
      if (created.status !== 201) throw new Error(`creating the contact failed: ${created.status} ${JSON.stringify(created.body)}`);
      const { id } = created.body;
      return { id, subjectId: (await call(server, 'GET', `/sales/contacts/${id}`, { token })).body.subjectId };
    },
  };
};
