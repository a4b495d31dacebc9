/**
 * oidc-provider's storage (sessions, interactions, codes, refresh tokens, grants) in
 * `DATA_DIR/identity.db` when no Redis is configured. One table for every model; the grant id,
 * uid and user code are columns so `revokeByGrantId` and the lookups are indexed. Expired entries
 * are swept by a timer (`sweepExpiredEvery`) and now and then on writes.
 */
import type Database from 'better-sqlite3';
import { errors, type Adapter, type AdapterFactory, type AdapterPayload } from 'oidc-provider';
import { reuseOf } from './reuse.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS oauth_entries (
  model TEXT NOT NULL, id TEXT NOT NULL, payload TEXT NOT NULL,
  grant_id TEXT, uid TEXT, user_code TEXT, expires_at INTEGER,
  PRIMARY KEY (model, id)
);
CREATE INDEX IF NOT EXISTS oauth_entries_grant ON oauth_entries (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS oauth_entries_uid ON oauth_entries (model, uid) WHERE uid IS NOT NULL;
CREATE INDEX IF NOT EXISTS oauth_entries_user_code ON oauth_entries (model, user_code) WHERE user_code IS NOT NULL;
`;

const now = (): number => Math.floor(Date.now() / 1000);

type Row = { payload: string };

const statements = (db: Database.Database) => ({
  upsert: db.prepare(`INSERT INTO oauth_entries (model, id, payload, grant_id, uid, user_code, expires_at)
    VALUES (@model, @id, @payload, @grantId, @uid, @userCode, @expiresAt)
    ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
      uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at`),
  find: db.prepare('SELECT payload FROM oauth_entries WHERE model = ? AND id = ? AND (expires_at IS NULL OR expires_at > ?)'),
  findBy: (column: 'uid' | 'user_code') =>
    db.prepare(`SELECT payload FROM oauth_entries WHERE model = ? AND ${column} = ? AND (expires_at IS NULL OR expires_at > ?)`),
  consume: db.prepare(`UPDATE oauth_entries SET payload = json_set(payload, '$.consumed', @now)
    WHERE model = @model AND id = @id AND json_type(payload, '$.consumed') IS NULL AND (expires_at IS NULL OR expires_at > @now)`),
  destroy: db.prepare('DELETE FROM oauth_entries WHERE model = ? AND id = ?'),
  revoke: db.prepare('DELETE FROM oauth_entries WHERE model = ? AND grant_id = ?'),
  sweep: db.prepare('DELETE FROM oauth_entries WHERE expires_at IS NOT NULL AND expires_at <= ?'),
});

const parse = (row: Row | undefined): AdapterPayload | undefined => (row ? (JSON.parse(row.payload) as AdapterPayload) : undefined);

/**
 * Deletes the expired entries now and every `everyMs` (a timer that keeps no process alive): an
 * interaction carries its authorization request's parameters, a `login_hint` email among them.
 * Answers the stop; `onError` hears a sweep that failed (the next one tries again).
 */
export const sweepExpiredEvery = (db: Database.Database, everyMs: number, onError: (error: unknown) => void): (() => void) => {
  db.exec(SCHEMA);
  const sweep = statements(db).sweep;
  const run = () => {
    try {
      sweep.run(now());
    } catch (error) {
      onError(error);
    }
  };
  run();
  const timer = setInterval(run, everyMs).unref();
  return () => clearInterval(timer);
};

/** Consumes an entry once, as the Redis adapter does: consuming it again is reuse, refused naming its grant (see `reuse.ts`). */
const consumeOnce = (sql: ReturnType<typeof statements>, model: string) => async (id: string): Promise<void> => {
  if (sql.consume.run({ now: now(), model, id }).changes === 1) return;
  const entry = parse(sql.find.get(model, id, now()) as Row | undefined);
  if (!entry) throw new errors.InvalidGrant(`${model} not found`);
  throw reuseOf(model, entry.grantId);
};

/** The adapter factory for the provider's `adapter` setting; expired entries are swept on writes now and then. */
export const sqliteAdapter = (db: Database.Database): AdapterFactory => {
  db.exec(SCHEMA);
  const sql = statements(db);
  const byUid = sql.findBy('uid');
  const byUserCode = sql.findBy('user_code');
  let writes = 0;
  return (model: string): Adapter => ({
    upsert: async (id, payload, expiresIn) => {
      if (++writes % 500 === 0) sql.sweep.run(now());
      sql.upsert.run({
        model, id, payload: JSON.stringify(payload), grantId: payload.grantId ?? null, uid: payload.uid ?? null,
        userCode: payload.userCode ?? null, expiresAt: expiresIn ? now() + expiresIn : null,
      });
    },
    find: async (id) => parse(sql.find.get(model, id, now()) as Row | undefined),
    findByUid: async (uid) => parse(byUid.get(model, uid, now()) as Row | undefined),
    findByUserCode: async (userCode) => parse(byUserCode.get(model, userCode, now()) as Row | undefined),
    consume: consumeOnce(sql, model),
    destroy: async (id) => void sql.destroy.run(model, id),
    revokeByGrantId: async (grantId) => void sql.revoke.run(model, grantId),
  });
};
