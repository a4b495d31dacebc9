import Router from '@koa/router';
import { expect } from 'chai';
import Koa from 'koa';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { dispatch } from '../../src/http/dispatch.js';

/** A router answering `name` on `paths` (GET), and counting the requests its routes saw. */
const answering = (name: string, paths: string[], seen: string[]): Router => {
  const router = new Router();
  for (const path of paths) router.get(path, (ctx) => ((seen.push(name)), (ctx.body = { name, params: ctx.params })));
  return router;
};

describe('dispatch (one middleware for every router)', () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];
  let inventory: readonly Router[];

  before(() => {
    const passing = new Router();
    passing.get('/sales/contacts/:id', async (ctx, next) => ((seen.push('passing')), await next()));
    const routers = [
      answering('health', ['/health/live'], seen),
      passing,
      answering('contacts', ['/sales/contacts', '/sales/contacts/:id'], seen),
      answering('metrics', ['/metrics'], seen),
      answering('tenant', ['/:tenant/reports'], seen),
    ];
    const pattern = new Router();
    pattern.get(/^\/legacy-\d+$/, (ctx) => void (ctx.body = { name: 'pattern', params: {} }));
    routers.push(pattern);
    const middleware = dispatch(routers);
    inventory = middleware.routers;
    const app = new Koa();
    app.use(middleware);
    server = app.listen(0);
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());
  beforeEach(() => void seen.splice(0));

  const get = async (path: string, method = 'GET') => {
    const res = await fetch(`${url}${path}`, { method });
    const json = res.headers.get('content-type')?.startsWith('application/json');
    return { status: res.status, allow: res.headers.get('allow'), body: json ? ((await res.json()) as Record<string, unknown>) : undefined };
  };

  it('runs the routers under the request\'s first segments, in order: one that passes on lets the next answer', async () => {
    const { status, body } = await get('/sales/contacts/c-1');
    expect(status).to.equal(200);
    expect(body).to.deep.equal({ name: 'contacts', params: { id: 'c-1' } });
    expect(seen).to.deep.equal(['passing', 'contacts']);
  });

  it('matches as the routers do: any case, a trailing slash, a single-segment path', async () => {
    expect((await get('/SALES/Contacts/')).body).to.deep.include({ name: 'contacts' });
    expect((await get('/metrics')).body).to.deep.include({ name: 'metrics' });
    expect((await get('/health/live')).body).to.deep.include({ name: 'health' });
  });

  it('tries a router whose first segment is a parameter, or whose path is a pattern, on every path', async () => {
    expect((await get('/acme/reports')).body).to.deep.equal({ name: 'tenant', params: { tenant: 'acme' } });
    expect((await get('/legacy-42')).body).to.deep.equal({ name: 'pattern', params: {} });
  });

  it('passes a path no router serves on (404), and answers 405 with Allow for a method the path lacks', async () => {
    expect((await get('/sales/unknown')).status).to.equal(404);
    expect((await get('/nowhere')).status).to.equal(404);
    const refused = await get('/sales/contacts/c-1', 'DELETE');
    expect(refused).to.include({ status: 405, allow: 'HEAD, GET' });
    expect(seen).to.deep.equal([]);
  });

  it('lists its routers, the route inventory', () => {
    expect(inventory).to.have.length(6);
    expect(inventory.flatMap((r) => r.stack.map((layer) => layer.path))).to.include.members(['/health/live', '/sales/contacts/:id', '/metrics']);
  });
});
