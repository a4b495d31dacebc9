/**
 * `npm run bench -- http`: the API over real HTTP at 16 connections against a bare Koa JSON
 * answer measured in the same run: authenticated `GET /sales/contacts/:id`, a filtered and sorted
 * list page of 50, `POST /sales/contacts`, then the GET again once an OAuth request has run, and a
 * calibration (bare Koa spending 10 µs of CPU a request). The load comes from autocannon in a
 * worker thread, so the server keeps the main thread (2 cores: one each).
 */
import autocannon from 'autocannon';
import Koa from 'koa';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueAccessToken } from '../src/access/tokens.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServer } from '../src/server.js';
import { fmtInt, fmtRatio, machine, printTable, writeResults } from './lib.js';

const CONNECTIONS = 16;
const DURATION_S = Number(process.env.BENCH_HTTP_SECONDS ?? 8);
const contact = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org', phone: '+44 20 7946 0000', city: 'London', jobTitle: 'Analyst' };

type Load = { label: string; url: string; method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string };
type Measured = { label: string; perSecond: number; p50: number; p99: number; non2xx: number; errors: number };

const measure = async (load: Load): Promise<Measured> => {
  const result = await autocannon({
    url: load.url, method: load.method ?? 'GET', headers: load.headers, body: load.body,
    connections: CONNECTIONS, duration: DURATION_S, workers: 1, idReplacement: load.body?.includes('[<id>]') ?? false,
  });
  const { requests, latency, non2xx, errors } = result;
  return { label: load.label, perSecond: requests.average, p50: latency.p50, p99: latency.p99, non2xx, errors };
};

/** Keeps the thread busy for `micros` µs (the calibration's stand-in for a request's own work). */
const spin = (micros: number): void => {
  const end = performance.now() + micros / 1000;
  while (performance.now() < end);
};

/**
 * A bare Koa app answering a JSON object of the size of a contact read; with `busyMicros`, it
 * first spends that much CPU on each request (a calibration: what a given amount of work per
 * request costs in throughput on this machine).
 */
const bareKoa = (busyMicros = 0) => {
  const app = new Koa();
  const body = { ...contact, id: 'c7d7a9b2-0a4e-4a8e-9c1e-3f2b1d0e9a77', revision: 3, status: 'active', ownerId: 'user-1', tags: [] };
  app.use((ctx) => {
    if (busyMicros > 0) spin(busyMicros);
    ctx.body = body;
  });
  const server = app.listen(0);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
};

/** The calibration's work per request: about what 0.6× leaves for a request's own work here. */
const CALIBRATION_MICROS = 10;

const SEEDED = 2_000;
const CITIES = ['London', 'Paris', 'Berlin', 'Madrid', 'Rome'];
/** The list benchmark's page: one city of five (about 400 rows), sorted by last name, 50 a page. */
const LIST_QUERY = `?filter=${encodeURIComponent('city[eq]:"London"')}&sort=lastName&limit=50`;

/** Contacts for the list benchmark, created through the API 16 at a time. */
const seed = async (url: string, headers: Record<string, string>): Promise<void> => {
  for (let first = 0; first < SEEDED; first += 16) {
    await Promise.all(Array.from({ length: 16 }, (_, k) => {
      const n = first + k;
      const body = { ...contact, lastName: `Name${(n * 7919) % SEEDED}`, email: `p${n}@example.org`, city: CITIES[n % CITIES.length] };
      return fetch(`${url}/sales/contacts`, { method: 'POST', headers, body: JSON.stringify(body) }).then((res) => res.arrayBuffer());
    }));
  }
};

const ourServer = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-bench-http-'));
  const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const server = await startServer(config, createLogger('silent'));
  const token = await issueAccessToken(server.signingKeys, { issuer: config.publicUrl, ttlSeconds: 3600 }, {
    tenantId: 'bench', actorId: 'user-1', roles: ['tenant_admin'], clientId: 'bench',
  });
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const created = await fetch(`${server.url}/sales/contacts`, { method: 'POST', headers, body: JSON.stringify(contact) });
  const { id } = (await created.json()) as { id: string };
  await seed(server.url, headers);
  return { ...server, headers, id, dispose: async () => (await server.stop(), rmSync(dataDir, { recursive: true, force: true })) };
};

export const runHttpSuite = async (): Promise<void> => {
  console.log(`http: ${JSON.stringify(machine())}, ${CONNECTIONS} connections, ${DURATION_S} s each`);
  const bare = bareKoa();
  const busy = bareKoa(CALIBRATION_MICROS);
  const ours = await ourServer();
  const runs: Measured[] = [];
  try {
    runs.push(await measure({ label: 'bare Koa JSON (first)', url: bare.url }));
    runs.push(await measure({ label: 'GET /sales/contacts/:id (authenticated)', url: `${ours.url}/sales/contacts/${ours.id}`, headers: ours.headers }));
    runs.push(await measure({ label: `GET /sales/contacts (list of 50, filtered and sorted, of ${fmtInt(SEEDED)})`, url: `${ours.url}/sales/contacts${LIST_QUERY}`, headers: ours.headers }));
    runs.push(await measure({ label: 'POST /sales/contacts', url: `${ours.url}/sales/contacts`, method: 'POST', headers: ours.headers, body: JSON.stringify({ ...contact, email: 'ada-[<id>]@example.org' }) }));
    // oidc-provider runs each of its requests in an AsyncLocalStorage: on Node 20 and 22 (without
    // --experimental-async-context-frame) that turns on async hooks for the rest of the process.
    await fetch(`${ours.url}/.well-known/oauth-authorization-server`).then((res) => res.arrayBuffer());
    runs.push(await measure({ label: 'GET /sales/contacts/:id, after an OAuth request (async hooks on)', url: `${ours.url}/sales/contacts/${ours.id}`, headers: ours.headers }));
    runs.push(await measure({ label: `calibration: bare Koa + ${CALIBRATION_MICROS} µs of CPU a request`, url: busy.url }));
    runs.push(await measure({ label: 'bare Koa JSON (last)', url: bare.url }));
  } finally {
    bare.close();
    busy.close();
    await ours.dispose();
  }
  // The machine drifts during a run: the baseline is the faster of the two bare runs (ratios err low).
  const base = Math.max(...runs.filter((r) => r.label.startsWith('bare Koa')).map((r) => r.perSecond));
  printTable(['measurement', 'req/s', '÷ bare Koa (faster run)', 'p50 ms', 'p99 ms', 'non-2xx', 'note'],
    runs.map((r) => [r.label, fmtInt(r.perSecond), fmtRatio(r.perSecond / base), String(r.p50), String(r.p99), String(r.non2xx), r.errors ? `${r.errors} errors` : '']));
  console.log('targets: GET ≥ 0.6×, list ≥ 0.3×, POST ≥ 0.3× the bare Koa rate; p99 < 50 ms');
  console.log(`results: ${writeResults('http', { machine: machine(), at: new Date().toISOString(), connections: CONNECTIONS, runs })}`);
};
