import { expect } from 'chai';
import Router from '@koa/router';
import Koa from 'koa';
import { koaBody } from 'koa-body';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { openIdentityDb } from '../../src/access/identity-db.js';
import { ConflictError } from '../../src/errors.js';
import { idempotency } from '../../src/http/idempotency.js';
import { problemMiddleware } from '../../src/http/problem.js';
import { createLogger } from '../../src/logger.js';

describe('Idempotency-Key on POST', () => {
  let server: Server;
  let url: string;
  let clock = 0;
  let runs = 0;
  let gate: Promise<void> = Promise.resolve();
  let fail = false;
  const db = openIdentityDb(':memory:');

  before(async () => {
    const app = new Koa();
    const router = new Router();
    router.post('/things', async (ctx) => {
      runs += 1;
      await gate;
      if (fail) throw new ConflictError('busy', 'refused this time');
      ctx.status = 201;
      ctx.set('Location', `/things/${runs}`);
      ctx.body = { run: runs };
    });
    app.use(problemMiddleware(createLogger('silent')));
    app.use(koaBody());
    app.use(async (ctx, next) => ((ctx.state.principal = { tenantId: ctx.get('X-Tenant') || 'acme', actorId: ctx.get('X-Actor') || 'a', roles: [], clientId: ctx.get('X-Client') || 'c' }), next()));
    app.use(idempotency(db, () => clock));
    app.use(router.routes());
    server = app.listen(0);
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/things`;
  });
  after(() => server.close());
  beforeEach(() => {
    clock += 100 * 86_400_000;
    runs = 0;
    fail = false;
    gate = Promise.resolve();
  });

  const post = (key: string, body: unknown = { a: 1 }, caller: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { 'Idempotency-Key': key, 'Content-Type': 'application/json', ...caller }, body: JSON.stringify(body) });

  it('answers a retry within 24 h with the stored response, and runs the request again after 24 h', async () => {
    const first = await post('k1');
    clock += 86_400_000 - 1;
    const replay = await post('k1');
    expect([replay.status, replay.headers.get('location'), await replay.json()]).to.deep.equal([201, '/things/1', { run: 1 }]);
    expect(runs).to.equal(1);
    clock += 2;
    expect(await (await post('k1')).json()).to.deep.equal({ run: 2 });
    expect(first.status).to.equal(201);
  });

  it('answers 409 idempotency_in_progress with Retry-After while the first request runs', async () => {
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    const first = post('k2');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await post('k2');
    expect(second.status).to.equal(409);
    expect(second.headers.get('retry-after')).to.equal('1');
    expect(((await second.json()) as { code: string }).code).to.equal('idempotency_in_progress');
    open();
    expect((await first).status).to.equal(201);
    expect(runs).to.equal(1);
  });

  it('forgets, at the next start, a claim whose process ended while it ran (a crash): its retry runs afresh', async () => {
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    const first = post('k-crash');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await post('k-crash')).status).to.equal(409);
    idempotency(db, () => clock); // what a restart does (the running request stands for the crashed one)
    gate = Promise.resolve();
    const retry = await post('k-crash');
    expect([retry.status, await retry.json()]).to.deep.equal([201, { run: 2 }]);
    open();
    await first;
  });

  it('does not keep a refused request: its retry runs afresh', async () => {
    fail = true;
    expect((await post('k3')).status).to.equal(409);
    fail = false;
    expect((await post('k3')).status).to.equal(201);
    expect(runs).to.equal(2);
  });

  it('keeps each caller\'s keys to that caller: another actor or client with the same key and body runs its own request', async () => {
    expect(await (await post('k4')).json()).to.deep.equal({ run: 1 });
    const otherActor = await post('k4', { a: 1 }, { 'X-Actor': 'b' });
    expect([otherActor.status, otherActor.headers.get('idempotent-replayed'), await otherActor.json()]).to.deep.equal([201, null, { run: 2 }]);
    const otherClient = await post('k4', { a: 1 }, { 'X-Client': 'd' });
    expect(await otherClient.json()).to.deep.equal({ run: 3 });
    const replay = await post('k4', { a: 1 }, { 'X-Actor': 'b' });
    expect([replay.headers.get('idempotent-replayed'), await replay.json()]).to.deep.equal(['true', { run: 2 }]);
    expect(runs).to.equal(3);
  });

  it('refuses a malformed key (400) and runs nothing', async () => {
    const res = await post('bad key with spaces');
    expect(res.status).to.equal(400);
    expect(runs).to.equal(0);
  });
});
