import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('health and errors over HTTP', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.dispose());

  describe('GET /health/live', () => {
    it('answers 200 ok', async () => {
      const res = await fetch(`${server.url}/health/live`);
      expect(res.status).to.equal(200);
      expect(await res.json()).to.deep.equal({ status: 'ok' });
    });
  });

  describe('GET /health/ready', () => {
    it('answers 200 with the store check when the store answers', async () => {
      const res = await fetch(`${server.url}/health/ready`);
      expect(res.status).to.equal(200);
      expect(await res.json()).to.deep.equal({ status: 'ok', checks: { eventStore: 'ok', readModel: 'ok', projections: 'ok' } });
    });
  });

  describe('an unknown route', () => {
    it('answers a 404 problem+json carrying the request id as correlation id', async () => {
      const res = await fetch(`${server.url}/nowhere`, { headers: { 'X-Request-Id': 'req-12345678' } });
      expect(res.status).to.equal(404);
      expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(res.headers.get('x-request-id')).to.equal('req-12345678');
      const body = await res.json();
      expect(body).to.include({ status: 404, code: 'not_found', correlationId: 'req-12345678', instance: '/nowhere' });
    });

    it('mints a request id when the caller sends a malformed one', async () => {
      const res = await fetch(`${server.url}/nowhere`, { headers: { 'X-Request-Id': 'bad id!' } });
      expect(res.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    });
  });

  describe('a request over the 16 KB header limit', () => {
    it('answers a 431 problem+json with the security headers', async () => {
      const res = await fetch(`${server.url}/health/live`, { headers: { 'X-Padding': 'x'.repeat(20_000) } });
      expect(res.status).to.equal(431);
      expect(res.headers.get('content-type')).to.equal('application/problem+json');
      expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
      const problem = (await res.json()) as Record<string, unknown>;
      expect(problem).to.include({ status: 431, code: 'headers_too_large', instance: '/', correlationId: res.headers.get('x-request-id') });
      expect(problem.correlationId).to.be.a('string');
    });
  });

  describe('a wrong method on a known route', () => {
    it('answers a 405 problem', async () => {
      const res = await fetch(`${server.url}/health/live`, { method: 'DELETE' });
      expect(res.status).to.equal(405);
      expect(res.headers.get('allow')).to.equal('HEAD, GET');
      expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(await res.json()).to.include({ code: 'method_not_allowed' });
    });

    it('answers a 501 problem, with Allow, for a method no route knows', async () => {
      const res = await fetch(`${server.url}/health/live`, { method: 'PROPFIND' });
      expect(res.status).to.equal(501);
      expect(res.headers.get('allow')).to.equal('HEAD, GET');
      expect(await res.json()).to.include({ code: 'not_implemented' });
    });
  });

  it('logs each request with its id, method, path and status', async () => {
    await fetch(`${server.url}/health/live`, { headers: { 'X-Request-Id': 'log-check-0001' } });
    const line = server.logs.map((l) => JSON.parse(l)).find((l) => l.requestId === 'log-check-0001');
    expect(line).to.include({ method: 'GET', path: '/health/live', status: 200, msg: 'request' });
  });
});

describe('GET /health/ready while draining', () => {
  it('answers 503 draining as soon as shutdown begins', async () => {
    const app = createApp({ logger: createLogger('silent'), readiness: [], isDraining: () => true });
    const listener = app.listen(0);
    await once(listener, 'listening');
    const res = await fetch(`http://127.0.0.1:${(listener.address() as AddressInfo).port}/health/ready`);
    listener.close();
    expect(res.status).to.equal(503);
    expect(await res.json()).to.include({ code: 'draining' });
    expect(res.headers.get('connection')).to.equal('close');
  });

  it('answers 503 not_ready naming the check that fails', async () => {
    const failing = { name: 'eventStore', check: () => Promise.reject(new Error('disk gone')) };
    const app = createApp({ logger: createLogger('silent'), readiness: [failing], isDraining: () => false });
    const listener = app.listen(0);
    await once(listener, 'listening');
    const res = await fetch(`http://127.0.0.1:${(listener.address() as AddressInfo).port}/health/ready`);
    listener.close();
    expect(res.status).to.equal(503);
    expect(await res.json()).to.deep.include({ code: 'not_ready', checks: { eventStore: 'failed: disk gone' } });
  });

  it('answers 200 degraded, naming the check, when only a degrading check fails (a failed projection)', async () => {
    const failing = { name: 'projections', check: () => Promise.reject(new Error('sales.contact')), degrades: true };
    const app = createApp({ logger: createLogger('silent'), readiness: [failing], isDraining: () => false });
    const listener = app.listen(0);
    await once(listener, 'listening');
    const res = await fetch(`http://127.0.0.1:${(listener.address() as AddressInfo).port}/health/ready`);
    listener.close();
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ status: 'degraded', checks: { projections: 'failed: sales.contact' } });
  });

  it('refuses a second server on the same DATA_DIR (data_dir_in_use) until the first has stopped', async () => {
    const first = await startTestServer();
    const refused = await startTestServer({ DATA_DIR: first.dataDir }).then(() => 'started', (error: { code?: string }) => error.code);
    expect(refused).to.equal('data_dir_in_use');
    await first.stop();
    const second = await startTestServer({ DATA_DIR: first.dataDir });
    expect((await fetch(`${second.url}/health/live`)).status).to.equal(200);
    await second.stop();
    await first.dispose();
  });

  it('leaves DATA_DIR free after a failed start (a busy port), so the next start succeeds', async () => {
    const blocker = createServer().listen(0);
    await once(blocker, 'listening');
    const busyPort = String((blocker.address() as AddressInfo).port);
    const dir = mkdtempSync(join(tmpdir(), 'crm-busy-'));
    const failed = await startTestServer({ DATA_DIR: dir, PORT: busyPort }).then(() => 'started', (error: { code?: string }) => error.code);
    blocker.close();
    expect(failed).to.equal('EADDRINUSE');
    const server = await startTestServer({ DATA_DIR: dir });
    expect((await fetch(`${server.url}/health/live`)).status).to.equal(200);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates its databases mode 0600, even in a directory others may read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-mode-'));
    chmodSync(dir, 0o755);
    const server = await startTestServer({ DATA_DIR: dir });
    await server.stop();
    const files = readdirSync(dir).filter((name) => /\.(db|lock)$/.test(name));
    expect(files).to.include.members(['events.db', 'read.db', 'audit.db', 'keys.db', 'identity.db', 'jobs.db', 'server.lock']);
    for (const name of files) expect((statSync(join(dir, name)).mode & 0o777).toString(8), name).to.equal('600');
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops accepting connections once stopped', async () => {
    const server = await startTestServer();
    await server.stop();
    const after = await fetch(`${server.url}/health/live`).then(() => 'answered', () => 'refused');
    expect(after).to.equal('refused');
  });
});

/**
 * A client in its own process (this one is kept busy): two keep-alive connections with one request
 * answered (the server holds them idle), then on "go" a second request on each and two new
 * connections with a request each; touches `sentFile` once all are sent; prints each connection's
 * first answer line once the server has closed them all.
 */
const CLIENT = `
const net = require('node:net'); const fs = require('node:fs');
const [port, sentFile] = process.argv.slice(1);
const REQUEST = 'GET /health/live HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n';
const open = () => { const s = net.connect(+port, '127.0.0.1'); s.data = ''; s.on('data', (c) => (s.data += c)).on('error', () => {});
  s.gone = new Promise((r) => s.on('close', r)); return s; };
const idle = [open(), open()];
idle.forEach((s) => s.write(REQUEST));
const answered = () => idle.every((s) => s.data.includes('}'));
const wait = setInterval(() => { if (!answered()) return; clearInterval(wait); idle.forEach((s) => (s.data = '')); console.log('ready'); }, 5);
process.stdin.once('data', async () => {
  const fresh = [open(), open()];
  await Promise.all(fresh.map((s) => new Promise((r) => s.once('connect', r))));
  const all = [...idle, ...fresh];
  await Promise.all(all.map((s) => new Promise((r) => s.write(REQUEST, r))));
  fs.writeFileSync(sentFile, '');
  await Promise.all(all.map((s) => s.gone));
  console.log(JSON.stringify(all.map((s) => s.data.split('\\r\\n')[0])));
  process.exit(0);
});`;

describe('stopping the server (SIGTERM)', () => {
  it('answers the requests that reached it before the stop began, on idle keep-alive and on new connections', async () => {
    const server = await startTestServer();
    const sentFile = join(server.dataDir, 'sent');
    const client = spawn(process.execPath, ['-e', CLIENT, String(server.port), sentFile], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: string[] = [];
    client.stdout.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
    while (!lines.includes('ready')) await new Promise((resolve) => setTimeout(resolve, 5));
    client.stdin.write('go\n');
    // Busy while the requests arrive: they wait, unread (the new connections unaccepted), when the stop begins.
    // A synchronous wait (the loop must stay busy), bounded: mocha's timeout cannot end it.
    const sentBy = Date.now() + 10_000;
    while (!existsSync(sentFile) && Date.now() < sentBy);
    if (!existsSync(sentFile)) (client.kill(), await server.dispose(), expect.fail('the client did not send its requests'));
    const busyUntil = Date.now() + 50;
    while (Date.now() < busyUntil);
    const stopped = server.dispose();
    await once(client, 'exit');
    await stopped;
    expect(JSON.parse(lines.at(-1)!)).to.deep.equal(Array(4).fill('HTTP/1.1 200 OK'));
  });
});
