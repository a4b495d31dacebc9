/**
 * The revoked grants shared by every API process through Redis (with `REDIS_URL`, where the OAuth
 * storage is): a sorted set of grant ids scored by when they may be forgotten, and a channel
 * announcing each revocation. Each process keeps the set in memory: it loads it once subscribed,
 * adds what the channel announces, and loads it again whenever its subscription connects anew.
 *
 * While this process cannot reach Redis it fails open: it keeps refusing the grants it knows, and a
 * grant revoked meanwhile by another process is refused once the subscription is back. At worst
 * such a token runs until it expires, as every revoked grant's did before; refusing every token
 * instead would turn a Redis outage into an outage of the whole API. (A revocation itself needs
 * Redis: the grant's refresh tokens live there.)
 */
import type { Redis } from 'ioredis';
import { oauthKeyPrefix } from './redis-adapter.js';
import { nowSeconds, revokedSet, REVOKED_GRANT_SECONDS, type RevokedGrants } from './revoked-grants.js';

/** The sorted set of a deployment's revoked grants, and (same name) its channel: `<prefix>:oauth:revoked-grants`. */
export const revokedKeyOf = (prefix: string): string => `${oauthKeyPrefix(prefix)}revoked-grants`;

export type RedisRevokedGrantsOptions = {
  /** The deployment's key prefix (`REDIS_KEY_PREFIX`); deployments with other prefixes share no revocation. */
  prefix: string;
  /** Commands (`revoke`, loading the set). */
  redis: Redis;
  /** A connection of its own for the channel (a subscribed connection takes no other command). */
  subscriber: Redis;
  /** The subscription was lost (refusals go on from the set known so far) or could not be renewed. */
  onLost: (error?: unknown) => void;
};

const pairs = (flat: string[]): [string, number][] => {
  const out: [string, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, Number(flat[i + 1])]);
  return out;
};

const announced = (message: string): [string, number][] => {
  const [grantId, expiresAt] = message.split(' ');
  return grantId && Number.isFinite(Number(expiresAt)) ? [[grantId, Number(expiresAt)]] : [];
};

type Known = ReturnType<typeof revokedSet>;

/** Records the revocation in the sorted set (dropping those expired) and announces it, in one transaction. */
const record = async (redis: Redis, key: string, grantId: string, expiresAt: number): Promise<void> => {
  const results = await redis.multi()
    .zremrangebyscore(key, '-inf', nowSeconds())
    .zadd(key, expiresAt, grantId)
    .expire(key, REVOKED_GRANT_SECONDS)
    .publish(key, `${grantId} ${expiresAt}`)
    .exec();
  const failed = results?.find(([error]) => error);
  if (!results || failed) throw failed?.[0] ?? new Error('The revocation of a grant was not recorded in Redis');
};

/**
 * Follows the channel into `known`: subscribed first, then loaded (a revocation between the two
 * is in the load or on the channel), again at each reconnection. Answers the stop.
 */
const follow = async ({ redis, subscriber, onLost, prefix }: RedisRevokedGrantsOptions, known: Known): Promise<() => void> => {
  const key = revokedKeyOf(prefix);
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === key) known.add(announced(message));
  });
  const sync = async () => {
    await subscriber.subscribe(key);
    known.add(pairs(await redis.zrangebyscore(key, `(${nowSeconds()}`, '+inf', 'WITHSCORES')));
  };
  await sync();
  let live = true;
  const lost = (error?: unknown) => {
    if (live || error !== undefined) onLost(error);
    live = false;
  };
  subscriber.on('error', () => undefined); // ioredis reconnects by itself; `lost` says it once
  subscriber.on('close', () => lost());
  subscriber.on('ready', () => void sync().then(() => (live = true), lost));
  return () => {
    live = false;
    subscriber.disconnect(); // a subscriber has nothing to flush; quit would throw were it already closed
  };
};

/** Opens the shared set: subscribed and loaded before it answers. `close` disconnects the subscriber. */
export const redisRevokedGrants = async (options: RedisRevokedGrantsOptions): Promise<RevokedGrants> => {
  const known = revokedSet();
  const stop = await follow(options, known);
  return {
    revoke: async (grantId) => {
      const expiresAt = nowSeconds() + REVOKED_GRANT_SECONDS;
      known.add([[grantId, expiresAt]]);
      await record(options.redis, revokedKeyOf(options.prefix), grantId, expiresAt);
    },
    isRevoked: (grantId) => known.has(grantId),
    close: async () => stop(),
  };
};
