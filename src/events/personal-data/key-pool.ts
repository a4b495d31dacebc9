/**
 * New subjects whose data keys are already durable, per tenant. Keys are minted ahead in batches
 * on the minter thread (one fsync per batch), sized to the tenant's demand: about what it draws in
 * 50 ms, in multiples of 64 between 64 and 512 (a batch of 64 costs about three times the CPU per
 * key of a batch of 512, mostly the commit). The next batch starts while half a batch (at least
 * 128) remains, so recording a new person waits neither for a mint nor for its fsync. Pooled ids
 * live in memory only: at close the keys never handed out are deleted (after a crash they stay
 * unused, and no id is ever handed out twice).
 */
import { UnavailableError } from '../../errors.js';
import type { NewKey } from './key-table.js';

const POOL_BATCH = 64;
const LOW_WATER = 2 * POOL_BATCH;
const MAX_BATCH = 8 * POOL_BATCH;
const CADENCE_MS = 50;

/** What the tenant drew since the last batch started, scaled to the cadence (a burst counts as an eighth of it). */
const nextSize = (pool: Pool, now: number): number => {
  const elapsed = Math.max(now - pool.startedAt, CADENCE_MS / 8);
  const wanted = Math.ceil((pool.taken * CADENCE_MS) / elapsed / POOL_BATCH) * POOL_BATCH;
  return Math.min(MAX_BATCH, Math.max(POOL_BATCH, wanted));
};

/** `size`: the last batch's; `startedAt`, `taken`: when it started and how many ids were drawn since. */
type Pool = { ids: string[]; refill: Promise<void> | undefined; size: number; startedAt: number; taken: number };

export type PoolDeps = {
  /** Mints a batch on the thread, if there is one (undefined: mint here instead). */
  mintAhead: (tenant: string, count: number) => Promise<NewKey[] | undefined>;
  /** Mints a batch on the calling thread: the fallback, and the path that raises typed errors. */
  mintHere: (tenant: string, count: number) => NewKey[];
  /** Takes a committed batch's keys (into the key cache) before their ids are handed out. */
  accept: (tenant: string, keys: NewKey[]) => void;
};

export type SubjectPool = {
  next(tenant: string): Promise<string>;
  /** Stops minting; answers the subjects minted and never handed out, to delete. */
  close(pendingFromMinter: Array<{ tenant: string; keys: NewKey[] }>): Array<{ tenant: string; subjects: string[] }>;
};

const closedError = (): UnavailableError => new UnavailableError('key_store_closed', 'The key store is closed');

export const subjectPool = (deps: PoolDeps): SubjectPool => {
  const pools = new Map<string, Pool>();
  let closed = false;

  // 1. mint on the thread, else here; 2. refuse a batch that lands after close; 3. cache, then pool.
  const mint = async (tenant: string, pool: Pool): Promise<void> => {
    const now = performance.now();
    const count = (pool.size = nextSize(pool, now));
    pool.startedAt = now;
    pool.taken = 0;
    const minted = await deps.mintAhead(tenant, count);
    if (closed) throw closedError();
    const keys = minted ?? deps.mintHere(tenant, count);
    deps.accept(tenant, keys);
    pool.ids.unshift(...keys.map((k) => k.subject));
  };

  const refill = (tenant: string, pool: Pool): Promise<void> =>
    (pool.refill ??= mint(tenant, pool).finally(() => (pool.refill = undefined)));

  const poolOf = (tenant: string): Pool => {
    const pool = pools.get(tenant) ?? { ids: [], refill: undefined, size: POOL_BATCH, startedAt: performance.now(), taken: 0 };
    pools.set(tenant, pool);
    return pool;
  };

  return {
    next: async (tenant) => {
      if (closed) throw closedError();
      const pool = poolOf(tenant);
      pool.taken += 1;
      while (pool.ids.length === 0) await refill(tenant, pool);
      const id = pool.ids.pop()!;
      // A failed top-up is met again, and thrown, by whoever next finds the pool empty.
      if (pool.ids.length < Math.max(LOW_WATER, pool.size / 2)) refill(tenant, pool).catch(() => undefined);
      return id;
    },
    close: (pendingFromMinter) => {
      closed = true;
      const unused = [...pools].map(([tenant, pool]) => ({ tenant, subjects: pool.ids }));
      pools.clear();
      return [...unused, ...pendingFromMinter.map(({ tenant, keys }) => ({ tenant, subjects: keys.map((k) => k.subject) }))];
    },
  };
};
