/**
 * New subjects whose data keys are already durable, per tenant. Keys are minted ahead in batches
 * (one fsync for 64 subjects, up to 512 for a tenant drawing them fast) on the minter thread, and
 * the next batch is started while 128 still remain, so recording a new person waits neither for
 * a mint nor for its fsync. Pooled ids live in memory only: at close the keys never handed out
 * are deleted (after a crash they stay unused, and no id is ever handed out twice).
 */
import { UnavailableError } from '../../errors.js';
import type { Minter } from './key-minter.js';
import type { NewKey } from './key-table.js';

const POOL_BATCH = 64;
// Two batches ahead: a batch's fsync can take longer than 64 commands do when the disk is busy.
const LOW_WATER = 2 * POOL_BATCH;
const MAX_BATCH = 8 * POOL_BATCH;

// One batch is minted at a time, so new subjects come at most one batch per fsync: a pool that ran
// dry doubles its next batch, one that did not halves it, between 64 and 512.
const nextSize = (pool: Pool): number =>
  pool.dry ? Math.min(MAX_BATCH, pool.size * 2) : Math.max(POOL_BATCH, Math.floor(pool.size / 2));

/** `size`: the next batch's; `dry`: someone found the pool empty while a batch was on its way. */
type Pool = { ids: string[]; refill: Promise<void> | undefined; size: number; dry: boolean };

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
    const count = (pool.size = nextSize(pool));
    pool.dry = false;
    const minted = await deps.mintAhead(tenant, count);
    if (closed) throw closedError();
    const keys = minted ?? deps.mintHere(tenant, count);
    deps.accept(tenant, keys);
    pool.ids.unshift(...keys.map((k) => k.subject));
  };

  const refill = (tenant: string, pool: Pool): Promise<void> =>
    (pool.refill ??= mint(tenant, pool).finally(() => (pool.refill = undefined)));

  const poolOf = (tenant: string): Pool => {
    const pool = pools.get(tenant) ?? { ids: [], refill: undefined, size: POOL_BATCH, dry: false };
    pools.set(tenant, pool);
    return pool;
  };

  return {
    next: async (tenant) => {
      if (closed) throw closedError();
      const pool = poolOf(tenant);
      if (pool.ids.length === 0 && pool.refill) pool.dry = true;
      while (pool.ids.length === 0) await refill(tenant, pool);
      const id = pool.ids.pop()!;
      // A failed top-up is met again, and thrown, by whoever next finds the pool empty.
      if (pool.ids.length < LOW_WATER) refill(tenant, pool).catch(() => undefined);
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
