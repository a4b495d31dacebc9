/** Locks by key, and what a holder of keys gets: within one process, a promise chain per key. */
import type { EventStore } from './events/log/port.js';

/** Keys taken by one holder. */
export type Hold = {
  /** Gives the keys back. */
  release(): Promise<void>;
  /**
   * Resolves while every key is still this holder's, else rejects with a retryable error: a lock
   * shared through Redis loses a key whose time to live ran out. Absent where keys cannot be lost.
   */
  confirm?: () => Promise<void>;
};

/** Takes every key (in a fixed order, so two holders never wait for each other); answers the hold. */
export type KeyedLock = (keys: readonly string[]) => Promise<Hold>;

/** The keys without repeats, in the one order every holder takes them. */
export const ordered = (keys: readonly string[]): string[] => [...new Set(keys)].sort();

/** A new lock of this process: a second holder of a key waits until the first releases it. */
export const processLocks = (): KeyedLock => {
  const tails = new Map<string, Promise<void>>();
  const one = async (key: string): Promise<() => void> => {
    const previous = tails.get(key) ?? Promise.resolve();
    let release = (): void => {};
    const tail = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
    tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (tails.get(key) === tail) tails.delete(key);
    };
  };
  return async (keys) => {
    const releases: Array<() => void> = [];
    for (const key of ordered(keys)) releases.push(await one(key));
    return { release: async () => releases.reverse().forEach((release) => release()) };
  };
};

/**
 * `deps` whose store appends only once every hold is confirmed, just before each append: a write
 * under a lock that may lose its keys (Redis) appends nothing after losing one (the confirmation's
 * error instead). Once a first append went through, the write's later appends (a conversion's
 * records, a merge's second stream) are made even if a confirmation fails: refusing then would
 * leave the write half done behind an answer saying nothing was written, while the confirmation
 * before the first append renewed the keys for their whole time to live. The same `deps` when no
 * hold can be lost.
 */
export const fencedBy = <D extends { store: EventStore }>(deps: D, ...holds: Array<Hold | undefined>): D => {
  const confirms = holds.flatMap((hold) => (hold?.confirm ? [hold.confirm] : []));
  if (confirms.length === 0) return deps;
  const { store } = deps;
  let begun = false;
  const confirmAll = async (): Promise<void> => {
    for (const confirm of confirms) await (begun ? confirm().catch(() => undefined) : confirm());
  };
  const append: EventStore['append'] = async (stream, events, options) => {
    await confirmAll();
    const result = await store.append(stream, events, options);
    begun = true;
    return result;
  };
  return { ...deps, store: { ...store, append } };
};
