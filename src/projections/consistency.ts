/**
 * Read-your-writes (design §5): a command answers with the global position of its last event; a
 * query sent with `Consistency-Position` waits, bounded, until the read model has reached it. The
 * runner calls `check` after every committed batch, so waiters resolve in the same turn.
 */
import { UnavailableError } from '../errors.js';

type Waiter = { reached: () => boolean; resolve: () => void; timer: NodeJS.Timeout };

/** The pending `waitForPosition` calls of a runner. */
export type Waiters = {
  /** Resolves once `reached()` holds (checked now and after each batch); rejects after `timeoutMs`. */
  wait(position: bigint, reached: () => boolean, timeoutMs: number): Promise<void>;
  check(): void;
  /** Rejects every waiter (the runner is closing). */
  closeAll(): void;
};

/** The rejection of a wait that ran out of time: 503, and the client may retry after a second. */
export const consistencyTimeout = (position: bigint, timeoutMs: number): UnavailableError =>
  new UnavailableError(
    'consistency_timeout',
    `The read model did not reach position ${position} within ${timeoutMs} ms`,
    { retryAfter: 1 },
  );

type Waiting = Map<Waiter, (error: Error) => void>;

const settle = (waiting: Waiting, waiter: Waiter): void => {
  clearTimeout(waiter.timer);
  waiting.delete(waiter);
};

const enqueue = (waiting: Waiting, position: bigint, reached: () => boolean, timeoutMs: number): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    const waiter: Waiter = {
      reached,
      resolve: () => (settle(waiting, waiter), resolve()),
      timer: setTimeout(() => (settle(waiting, waiter), reject(consistencyTimeout(position, timeoutMs))), timeoutMs),
    };
    waiting.set(waiter, reject);
  });

/** An empty set of waiters. */
export const consistencyWaiters = (): Waiters => {
  const waiting: Waiting = new Map();
  return {
    wait: (position, reached, timeoutMs) => (reached() ? Promise.resolve() : enqueue(waiting, position, reached, timeoutMs)),
    check: () => {
      for (const waiter of [...waiting.keys()]) if (waiter.reached()) waiter.resolve();
    },
    closeAll: () => {
      for (const [waiter, reject] of [...waiting]) {
        settle(waiting, waiter);
        reject(new UnavailableError('projections_closed', 'The projections are shutting down', { retryAfter: 1 }));
      }
    },
  };
};
