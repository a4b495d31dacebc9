/** Small time helpers of the runner: abortable pauses, bounded exponential backoff, a recent rate. */

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });

/** Retry delays: `initialMs`, doubling up to `maxMs`. */
export type Backoff = { initialMs: number; maxMs: number };

/** 100 ms, doubling up to 30 s. */
export const DEFAULT_BACKOFF: Backoff = { initialMs: 100, maxMs: 30_000 };

/** The delay before retry number `attempt` (1-based): initial × 2^(attempt-1), capped. */
export const backoffDelay = (attempt: number, backoff: Backoff): number =>
  Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt - 1, 30));

/** Counts events and answers a recent rate. */
export type RateMeter = { add(count: number): void; perSecond(): number };

/** Events per second over the last `windowMs`, counted in one-second buckets. */
export const rateMeter = (windowMs = 10_000, now: () => number = Date.now): RateMeter => {
  const buckets = new Map<number, number>();
  const prune = (second: number): void => {
    for (const key of buckets.keys()) if (key <= second - windowMs / 1000) buckets.delete(key);
  };
  return {
    add: (count) => {
      const second = Math.floor(now() / 1000);
      buckets.set(second, (buckets.get(second) ?? 0) + count);
      prune(second);
    },
    perSecond: () => {
      prune(Math.floor(now() / 1000));
      let total = 0;
      for (const count of buckets.values()) total += count;
      return total / (windowMs / 1000);
    },
  };
};

/**
 * Milliseconds of work the projectors' live batches may still do in this turn of the event loop,
 * shared by all of them (each alone would take its own share, and their batches run back to back).
 */
export type TurnBudget = {
  remaining(): number;
  spend(ms: number): void;
  /**
   * Whether `who` may run a batch now: while the turn has budget left, or when `who` was already
   * sent to a later turn once (so a projector with a steady backlog cannot starve the others).
   */
  admits(who: object): boolean;
};

/** `perTurnMs` a turn; the account starts afresh at the next turn's first check. */
export const turnBudget = (perTurnMs: number): TurnBudget => {
  let spent = 0;
  let resetQueued = false;
  const deferred = new WeakSet<object>();
  return {
    remaining: () => perTurnMs - spent,
    spend: (ms) => {
      spent += ms;
      if (resetQueued) return;
      resetQueued = true;
      setImmediate(() => {
        spent = 0;
        resetQueued = false;
      });
    },
    admits: (who) => {
      if (spent < perTurnMs || deferred.has(who)) {
        deferred.delete(who);
        return true;
      }
      deferred.add(who);
      return false;
    },
  };
};
