/**
 * The runner's projectors follow the log together: after each commit every worker reads the same
 * new events. Here they are read (and parsed) once into a window of recent events that answers
 * every worker whose checkpoint lies inside it, and each event is revealed (decrypted, upcast) once
 * for all of them. A read outside the window (a rebuild from the start) goes to the store and
 * restarts the window there. Reveals are forgotten whenever an erasure is read, so no plaintext
 * read before an erasure is handed to a projector after it.
 */
import type { EventStore, ReadAllOptions, RecordedEvent } from '../events/log/port.js';
import { PERSONAL_DATA_ERASED } from '../events/personal-data/erased.js';
import type { ProjectedEvent } from './projector.js';

/** Recent events kept; a worker further behind reads the store itself. */
const CAPACITY = 4_096;

type Window = { start: bigint; events: RecordedEvent[] };

const endOf = (w: Window): bigint => w.events.at(-1)?.position ?? w.start;

/** The events after `after` in the window, at most `max` (the window holds every event in `(start, end]`). */
const slice = (w: Window, after: bigint, max: number): RecordedEvent[] => {
  let low = 0;
  let high = w.events.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (w.events[mid]!.position <= after) low = mid + 1;
    else high = mid;
  }
  return w.events.slice(low, low + max);
};

const trim = (w: Window): void => {
  const excess = w.events.length - CAPACITY;
  if (excess > 0) w.start = w.events.splice(0, excess).at(-1)!.position;
};

/** Reads into the window until it holds `max` events after `after`, or the log's end. */
const extend = async (store: EventStore, w: Window, after: bigint, max: number): Promise<RecordedEvent[]> => {
  for (;;) {
    const fetched = await store.readAll({ after: endOf(w), maxCount: max });
    w.events.push(...fetched);
    const page = slice(w, after, max);
    trim(w);
    if (page.length >= max || fetched.length < max) return page;
  }
};

/** `store` whose `readAll` the runner's workers share (other methods unchanged). */
export const sharedReads = (store: EventStore): EventStore => {
  let w: Window | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const readAll = async ({ after = 0n, maxCount = CAPACITY }: ReadAllOptions = {}): Promise<RecordedEvent[]> => {
    if (w && after >= w.start && after <= endOf(w) && maxCount <= CAPACITY) return extend(store, w, after, maxCount);
    const page = await store.readAll({ after, maxCount });
    w = { start: after, events: page.slice(-CAPACITY) };
    if (page.length > CAPACITY) w.start = page[page.length - CAPACITY - 1]!.position;
    return page;
  };
  return {
    ...store,
    kind: store.kind,
    // One read at a time: the window is extended by one reader, never by two at once.
    readAll: (options) => {
      const result = queue.then(() => readAll(options));
      queue = result.catch(() => undefined);
      return result;
    },
  };
};

/** `read` (reveal and upcast) once per recorded event for every projector; forgotten at each erasure. */
export const sharedReveals = (read: (event: RecordedEvent) => ProjectedEvent): ((event: RecordedEvent) => ProjectedEvent) => {
  let revealed = new WeakMap<RecordedEvent, ProjectedEvent>();
  return (event) => {
    if (event.type === PERSONAL_DATA_ERASED) revealed = new WeakMap();
    let projected = revealed.get(event);
    if (!projected) revealed.set(event, (projected = read(event)));
    return projected;
  };
};
