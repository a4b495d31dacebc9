/** A bounded least-recently-used map (for unwrapped data keys). */

export type Lru<V> = {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  delete(key: string): boolean;
  size(): number;
};

/**
 * A `Map` keeps insertion order, so re-inserting an entry on each read keeps the least recently
 * used one first; inserting beyond `limit` drops from the front. The size never exceeds `limit`.
 */
export const lruCache = <V>(limit: number): Lru<V> => {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError('An LRU limit must be a non-negative integer');
  const entries = new Map<string, V>();
  return {
    get: (key) => {
      const value = entries.get(key);
      if (value === undefined) return undefined;
      entries.delete(key);
      entries.set(key, value);
      return value;
    },
    set: (key, value) => {
      entries.delete(key);
      entries.set(key, value);
      while (entries.size > limit) entries.delete(entries.keys().next().value as string);
    },
    delete: (key) => entries.delete(key),
    size: () => entries.size,
  };
};
