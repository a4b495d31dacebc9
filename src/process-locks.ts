/** Locks within one process, by key: a promise chain per key. */

/** Takes every key (in a fixed order, so two holders never wait for each other); answers the release. */
export type KeyedLock = (keys: readonly string[]) => Promise<() => Promise<void>>;

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
    return async () => releases.reverse().forEach((release) => release());
  };
};
