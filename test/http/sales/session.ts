import { expect } from 'chai';
/**
 * The setup the sales end-to-end specs share: the real server, tenant admins of two tenants, and
 * calls whose reads wait for every write made so far (`Consistency-Position`). Call inside `describe`.
 */
import { startTestServer, type TestServer } from '../../support/server.js';
import { call, tokenFor, type Answer } from '../../support/http.js';

export type SalesSession = {
  server: () => TestServer;
  admin: () => string;
  globex: () => string;
  /** Sends a write (any method); a success moves the position reads wait for. */
  send: (method: string, path: string, body?: unknown, token?: string, headers?: Record<string, string>) => Promise<Answer>;
  get: (path: string, token?: string) => Promise<Answer>;
  /** The log's head position (to prove a refusal appended nothing). */
  head: () => Promise<number>;
  /** Reads wait for this position from now on. */
  reachedHead: () => Promise<void>;
};

export const salesSession = (): SalesSession => {
  let server: TestServer;
  let admin = '';
  let globex = '';
  let position = 0;
  before(async () => {
    server = await startTestServer();
    admin = await tokenFor(server, { tenantId: 'acme', actorId: 'user-admin', roles: ['tenant_admin'] });
    globex = await tokenFor(server, { tenantId: 'globex', actorId: 'user-g', roles: ['tenant_admin'] });
  });
  after(async () => server.dispose());
  const head = async () => Number(await server.store.headPosition());
  return {
    server: () => server,
    admin: () => admin,
    globex: () => globex,
    send: async (method, path, body, token = admin, headers = {}) => {
      const res = await call(server, method, path, { token, body, headers });
      if (res.status < 300 && typeof res.body?.position === 'number') position = Math.max(position, res.body.position);
      return res;
    },
    get: (path, token = admin) => call(server, 'GET', path, { token, headers: { 'Consistency-Position': String(position) } }),
    head,
    reachedHead: async () => void (position = await head()),
  };
};

/** Reads until `done` holds: reactors (jobs) and projectors run after the request that caused them. */
export const eventually = async (session: SalesSession, path: string, done: (body: any) => boolean, token?: string) => {
  for (let i = 0; i < 100; i++) {
    await session.reachedHead();
    const { body } = await session.get(path, token);
    if (done(body)) return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${path} never reached the expected state`);
};

/** POSTs a missing, an empty and a blank reason to `path`: each is 422 `reason_required`, and nothing is written. */
export const expectReasonRequired = async (session: SalesSession, path: string): Promise<void> => {
  const before = await session.head();
  for (const body of [{}, { reason: '' }, { reason: '   ' }]) {
    const res = await session.send('POST', path, body);
    expect([res.status, res.body.code], JSON.stringify(body)).to.deep.equal([422, 'reason_required']);
  }
  expect(await session.head()).to.equal(before);
};
