/**
 * The chain sealer: a catch-up subscription over the whole log from the chain's own tail, sealing
 * each event as it arrives (on the embedded store, the commit notification wakes it within the
 * same turn of the event loop). It runs in the API process; after a store failure it waits and
 * resubscribes from the tail, so no event is skipped and none is sealed twice.
 */
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { UnavailableError } from '../../errors.js';
import type { EventStore, RecordedEvent, Subscription } from '../log/port.js';
import { scanLog } from '../log/scan.js';
import type { ChainDb } from './chain.js';

export type ChainSealer = {
  /** The position of the last sealed event (0n before the first). */
  sealedPosition: () => bigint;
  /** Resolves once the chain reaches `position`; 503 `audit_seal_timeout` after `timeoutMs`. */
  waitFor: (position: bigint, timeoutMs?: number) => Promise<void>;
  stop: () => Promise<void>;
};

const RETRY_MS = 500;

type Waiter = { position: bigint; resolve: () => void };

/** Callers waiting for a position to be sealed: `settle` after each seal releases those reached. */
const sealWaiters = (sealedPosition: () => bigint) => {
  let waiters: Waiter[] = [];
  const settle = (): void => {
    if (waiters.length === 0) return;
    const at = sealedPosition();
    const done = waiters.filter((w) => w.position <= at);
    waiters = waiters.filter((w) => w.position > at);
    for (const waiter of done) waiter.resolve();
  };
  const waitFor = (position: bigint, timeoutMs = 5_000): Promise<void> => {
    if (sealedPosition() >= position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new UnavailableError('audit_seal_timeout', `Position ${position} not sealed in time`)), timeoutMs);
      waiters.push({ position, resolve: () => (clearTimeout(timer), resolve()) });
    });
  };
  return { settle, waitFor };
};

/** Runs `follow` until stopped; after a failure, logs it, waits, and runs it again. */
const supervise = async (follow: () => Promise<void>, stopped: () => boolean, logger: Pick<Logger, 'error'>): Promise<void> => {
  while (!stopped()) {
    try {
      await follow();
    } catch (error) {
      logger.error({ err: error }, 'audit chain sealer failed; resubscribing from the chain tail');
      if (!stopped()) await delay(RETRY_MS);
    }
  }
};

/** Starts sealing; `stop()` ends the subscription and waits for the loop to finish. */
export const startChainSealer = (store: EventStore, chain: ChainDb, logger: Pick<Logger, 'error'>): ChainSealer => {
  let stopped = false;
  let subscription: Subscription | undefined;
  const sealedPosition = (): bigint => chain.tail()?.position ?? 0n;
  const { settle, waitFor } = sealWaiters(sealedPosition);

  const follow = async (): Promise<void> => {
    await sealPending(store, chain, { stopped: () => stopped });
    settle();
    if (stopped) return;
    subscription = store.subscribeToAll({ after: sealedPosition() });
    for await (const event of subscription) {
      chain.seal([event]);
      settle();
    }
  };

  const loop = supervise(follow, () => stopped, logger);

  const stop = async (): Promise<void> => {
    stopped = true;
    await subscription?.close();
    await loop;
  };
  return { sealedPosition, waitFor, stop };
};

/**
 * Seals everything the log holds beyond the chain's tail, a page per transaction, yielding to the
 * event loop between pages so a long backlog does not stall requests; answers how many. The sealer
 * starts with it, and `audit verify --seal` runs it.
 */
export const sealPending = async (
  store: EventStore,
  chain: ChainDb,
  { pageSize = 1000, stopped = () => false }: { pageSize?: number; stopped?: () => boolean } = {},
): Promise<number> => {
  let [sealed, batch] = [0, [] as RecordedEvent[]];
  for await (const event of scanLog(store, chain.tail()?.position ?? 0n, { pageSize })) {
    batch.push(event);
    if (batch.length < pageSize) continue;
    if (stopped()) return sealed;
    [sealed, batch] = [sealed + chain.seal(batch), []];
    await nextTurn();
  }
  return sealed + chain.seal(batch);
};
