import type { EventStore, RecordedEvent } from './port.js';

export type ScanOptions = {
  pageSize?: number;
  /**
   * When a page cannot be read (an event the store cannot decode), read on one event at a time,
   * so the error surfaces exactly at the first unreadable event. Default false: the error surfaces.
   */
  narrowOnError?: boolean;
};

const readPage = async (store: EventStore, after: bigint, size: number, narrow: boolean) => {
  try {
    const page = await store.readAll({ after, maxCount: size });
    return { page, full: page.length === size };
  } catch (error) {
    if (!narrow || size === 1) throw error;
    const page = await store.readAll({ after, maxCount: 1 });
    return { page, full: page.length === 1 };
  }
};

/**
 * Every event of the log after `after`, in position order, read page by page through `readAll`
 * (one page in memory at a time). Cost: a full pass over the log from there, whatever the caller
 * keeps; callers that answer requests bound how far they go.
 */
export async function* scanLog(store: EventStore, after = 0n, options: ScanOptions = {}): AsyncGenerator<RecordedEvent> {
  const pageSize = options.pageSize ?? 1000;
  for (let from = after; ; ) {
    const { page, full } = await readPage(store, from, pageSize, options.narrowOnError ?? false);
    yield* page;
    if (!full) return;
    from = page[page.length - 1]!.position;
  }
}
