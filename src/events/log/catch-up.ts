/**
 * A catch-up subscription built on `readAll`: reads pages after the last delivered position, and
 * when caught up waits for a wake-up (the store's commit notification) or a poll tick (appends
 * made by another process). Gap-free because positions become visible in order.
 */
import type { ReadAllOptions, RecordedEvent, Subscription } from './port.js';

export type CatchUpSource = {
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Registers a listener called after each commit; returns the unregister function. */
  onCommit(listener: () => void): () => void;
};

const PAGE = 512;

export const catchUpSubscription = (
  source: CatchUpSource,
  options: { after?: bigint; pollMs?: number } = {},
): Subscription => {
  const pollMs = options.pollMs ?? 250;
  let closed = false;
  let wake: (() => void) | undefined;
  const unlisten = source.onCommit(() => wake?.());

  const idle = (): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(done, pollMs);
      function done(): void {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  async function* events(): AsyncGenerator<RecordedEvent> {
    let after = options.after ?? 0n;
    try {
      while (!closed) {
        const page = await source.readAll({ after, maxCount: PAGE });
        for (const event of page) {
          if (closed) return;
          yield event;
          after = event.position;
        }
        if (page.length < PAGE && !closed) await idle();
      }
    } finally {
      unlisten();
    }
  }

  const iterator = events();
  return {
    [Symbol.asyncIterator]: () => iterator,
    close: async () => {
      closed = true;
      wake?.();
      unlisten();
    },
  };
};
