/**
 * oidc-provider's storage in Redis (when `REDIS_URL` is set), so sessions and refresh tokens are
 * shared by every API replica. Each entry is a JSON string with the entry's TTL; a grant's
 * members are kept in a set so `revokeByGrantId` deletes them all.
 */
import type { Redis } from 'ioredis';
import { errors, type Adapter, type AdapterFactory, type AdapterPayload } from 'oidc-provider';
import { GRANTABLE, reuseOf } from './reuse.js';

/** Where the OAuth entries of a deployment live: `<REDIS_KEY_PREFIX>:oauth:…`. */
export const oauthKeyPrefix = (prefix: string): string => `${prefix}:oauth:`;

const keysUnder = (prefix: string) => {
  const oauth = oauthKeyPrefix(prefix);
  return {
    entry: (model: string, id: string): string => `${oauth}${model}:${id}`,
    grant: (grantId: string): string => `${oauth}grant:${grantId}`,
    uid: (uid: string): string => `${oauth}uid:${uid}`,
    userCode: (userCode: string): string => `${oauth}userCode:${userCode}`,
  };
};
type Keys = ReturnType<typeof keysUnder>;

const parse = (raw: string | null): AdapterPayload | undefined => (raw === null ? undefined : (JSON.parse(raw) as AdapterPayload));

const upsert = (redis: Redis, keys: Keys, model: string) => async (id: string, payload: AdapterPayload, expiresIn: number): Promise<void> => {
  const key = keys.entry(model, id);
  const multi = redis.multi();
  if (expiresIn) multi.set(key, JSON.stringify(payload), 'EX', expiresIn);
  else multi.set(key, JSON.stringify(payload));
  if (GRANTABLE.has(model) && payload.grantId) {
    const members = keys.grant(payload.grantId);
    multi.sadd(members, key);
    // The set lives as long as its longest-lived member: GT alone never sets a first expiry (a key without one counts as infinite).
    if (expiresIn) multi.expire(members, expiresIn, 'NX').expire(members, expiresIn, 'GT');
    else multi.persist(members);
  }
  if (payload.uid) multi.set(keys.uid(payload.uid), id, 'EX', expiresIn || 3600);
  if (payload.userCode) multi.set(keys.userCode(payload.userCode), id, 'EX', expiresIn || 3600);
  await multi.exec();
};

/**
 * Marks the entry consumed unless it already is, as one step: 1 when this call consumed it, 0 when
 * another had, -1 when it is gone. The JSON is extended as text (cjson would re-encode `[]` as `{}`).
 */
const CONSUME = `
local raw = redis.call('GET', KEYS[1])
if not raw then return -1 end
if cjson.decode(raw).consumed ~= nil then return 0 end
local sep = raw == '{}' and '' or ','
redis.call('SET', KEYS[1], string.sub(raw, 1, -2) .. sep .. '"consumed":' .. ARGV[1] .. '}', 'KEEPTTL')
return 1`;

/** Consumes an entry once: consuming it again is reuse, refused naming its grant (see `reuse.ts`). */
const consumeOnce = (redis: Redis, keys: Keys, model: string) => async (id: string): Promise<void> => {
  const outcome = await redis.eval(CONSUME, 1, keys.entry(model, id), Math.floor(Date.now() / 1000));
  if (outcome === 1) return;
  if (outcome === -1) throw new errors.InvalidGrant(`${model} not found`);
  throw reuseOf(model, parse(await redis.get(keys.entry(model, id)))?.grantId);
};

const modelAdapter = (redis: Redis, keys: Keys, model: string): Adapter => {
  const find = async (id: string) => parse(await redis.get(keys.entry(model, id)));
  const findVia = async (pointer: string) => {
    const id = await redis.get(pointer);
    return id === null ? undefined : find(id);
  };
  return {
    upsert: upsert(redis, keys, model),
    find,
    findByUid: (uid) => findVia(keys.uid(uid)),
    findByUserCode: (userCode) => findVia(keys.userCode(userCode)),
    consume: consumeOnce(redis, keys, model),
    destroy: async (id) => void (await redis.del(keys.entry(model, id))),
    revokeByGrantId: async (grantId) => {
      const members = await redis.smembers(keys.grant(grantId));
      const mine = members.filter((key) => key.startsWith(keys.entry(model, '')));
      if (mine.length > 0) await redis.multi().del(...mine).srem(keys.grant(grantId), ...mine).exec();
    },
  };
};

/** The adapter factory for the provider's `adapter` setting, on an open ioredis connection, its keys under `prefix`. */
export const redisAdapter = (redis: Redis, prefix: string): AdapterFactory => {
  const keys = keysUnder(prefix);
  return (model: string): Adapter => modelAdapter(redis, keys, model);
};
