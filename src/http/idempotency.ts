/**
 * `Idempotency-Key` on POST: the first response to (tenant, client, actor, key) is stored for 24 h
 * in `identity.db` and answered again on a retry (with `Idempotent-Replayed: true`); the same key
 * with another request (method, path or body) is a 422; a retry while the first is still running is
 * a 409 with `Retry-After`. A key belongs to the caller who sent it: another user or client sending
 * the same key runs its own request (with its own permission checks), and never gets the first
 * caller's answer. A secret in an answer (a client secret, an invitation or reset link: see
 * `shownOnce`) is never stored: a replay answers it as null. A request that failed (a problem answer)
 * changed nothing and is not stored: its retry runs afresh. The key also names the command
 * (`commandIdFor`), so even a retry that finds no stored response (another replica, or after 24 h)
 * appends nothing twice.
 */
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { commandIdFor } from '../commands/event-ids.js';
import { AppError, InvalidInputError, RuleViolationError } from '../errors.js';
import { principalOf } from './authenticate.js';

const TTL_MS = 24 * 3_600_000;
const KEY = /^[\x21-\x7e]{1,255}$/;
const REPLAYED_HEADERS = ['location', 'etag', 'content-type'];

const SCHEMA = `CREATE TABLE IF NOT EXISTS idempotency (
  tenant_id TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, created_at INTEGER NOT NULL,
  status INTEGER, headers TEXT, body TEXT, PRIMARY KEY (tenant_id, key)
) WITHOUT ROWID`;

type Row = { fingerprint: string; status: number | null; headers: string | null; body: string | null };

const fingerprintOf = (ctx: Context): string =>
  createHash('sha256').update(`${ctx.method} ${ctx.path}\n${JSON.stringify((ctx.request as { body?: unknown }).body ?? null)}`).digest('base64url');

const statements = (db: Database.Database) => {
  db.exec(SCHEMA);
  return {
    find: db.prepare('SELECT fingerprint, status, headers, body FROM idempotency WHERE tenant_id = ? AND key = ?'),
    claim: db.prepare('INSERT OR IGNORE INTO idempotency (tenant_id, key, fingerprint, created_at) VALUES (?, ?, ?, ?)'),
    expire: db.prepare('DELETE FROM idempotency WHERE tenant_id = ? AND key = ? AND created_at < ?'),
    finish: db.prepare('UPDATE idempotency SET status = ?, headers = ?, body = ? WHERE tenant_id = ? AND key = ?'),
    release: db.prepare('DELETE FROM idempotency WHERE tenant_id = ? AND key = ? AND status IS NULL'),
    purge: db.prepare('DELETE FROM idempotency WHERE created_at < ?'),
    abandon: db.prepare('DELETE FROM idempotency WHERE status IS NULL'),
  };
};

const replay = (ctx: Context, row: Row): void => {
  ctx.status = row.status!;
  ctx.set(JSON.parse(row.headers!) as Record<string, string>);
  ctx.set('Idempotent-Replayed', 'true');
  ctx.body = row.body === null ? null : JSON.parse(row.body);
};

const answerExisting = (ctx: Context, row: Row, fingerprint: string): void => {
  if (row.fingerprint !== fingerprint) {
    throw new RuleViolationError('idempotency_key_reused', 'This Idempotency-Key was used with another request');
  }
  if (row.status === null) {
    throw new AppError('idempotency_in_progress', 409, 'The first request with this Idempotency-Key is still running', { headers: { 'Retry-After': '1' } });
  }
  replay(ctx, row);
};

/** Marks fields of this answer as secrets shown once: kept out of the stored answer, a replay has them null. */
export const shownOnce = (ctx: Context, fields: readonly string[]): void => {
  ctx.state.shownOnce = fields;
};

const storedBody = (ctx: Context): string | null => {
  if (ctx.body === undefined) return null;
  const secrets = ctx.state.shownOnce as readonly string[] | undefined;
  if (!secrets) return JSON.stringify(ctx.body);
  return JSON.stringify({ ...(ctx.body as object), ...Object.fromEntries(secrets.map((field) => [field, null])) });
};

const headersOf = (ctx: Context): string =>
  JSON.stringify(Object.fromEntries(REPLAYED_HEADERS.flatMap((h) => (ctx.response.get(h) ? [[h, ctx.response.get(h)]] : []))));

/** The middleware; mount it after authentication and body parsing, before the routes. */
export const idempotency = (db: Database.Database, now: () => number = Date.now): Middleware => {
  const s = statements(db);
  // Claims still running belong to a process that ended (a crash): only one server uses a DATA_DIR
  // (see data-dir-lock.ts), so none is running now. Their retries run afresh, under the same command id.
  s.abandon.run();
  let claims = 0;
  return async (ctx, next) => {
    if (ctx.method !== 'POST') return next();
    const given = ctx.get('Idempotency-Key');
    // A streamed upload (CSV import) is not fingerprinted: its rows are idempotent by their content.
    if (given === '' || ctx.is('text/csv')) return next();
    if (!KEY.test(given)) throw new InvalidInputError('invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 visible ASCII characters');
    const { tenantId: tenant, clientId, actorId } = principalOf(ctx.state);
    const key = `${clientId}\0${actorId}\0${given}`;
    const fingerprint = fingerprintOf(ctx);
    if (++claims % 1000 === 1) s.purge.run(now() - TTL_MS);
    s.expire.run(tenant, key, now() - TTL_MS);
    if (s.claim.run(tenant, key, fingerprint, now()).changes === 0) {
      const row = s.find.get(tenant, key) as Row;
      return answerExisting(ctx, row, fingerprint);
    }
    ctx.state.commandId = commandIdFor(tenant, `http\0${key}`);
    try {
      await next();
    } catch (error) {
      s.release.run(tenant, key); // a refused request changed nothing: its retry runs afresh
      throw error;
    }
    s.finish.run(ctx.status, headersOf(ctx), storedBody(ctx), tenant, key);
  };
};
