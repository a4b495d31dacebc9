/** Projection rebuilds through the platform API, as an operator starts them. */
import { expect } from 'chai';
import { call } from './http.js';
import type { TestServer } from './server.js';
import { platformToken } from './tenant.js';

/** Rebuilds the named projections (default: every one) and waits until all are live again; answers the names. */
export const rebuildProjections = async (server: TestServer, only?: readonly string[]): Promise<string[]> => {
  const token = await platformToken(server);
  const statuses = async () => (await call(server, 'GET', '/api/superadmin/projections', { token })).body.data as Array<{ name: string; status: string; rebuild?: unknown }>;
  const names = only ?? (await statuses()).map((p) => p.name);
  for (const name of names) expect((await call(server, 'POST', `/api/superadmin/projections/${name}/rebuild`, { token })).status).to.equal(202);
  for (let i = 0; i < 500; i += 1) {
    if ((await statuses()).every((s) => s.status === 'live' && !s.rebuild)) return [...names];
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the rebuilds did not finish');
};
