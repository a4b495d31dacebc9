/**
 * What wakes the projectors: one live `subscribeToAll` from the head, used only as a signal. The
 * embedded store wakes its subscriptions right after each commit (and polls for other processes'
 * appends); EventStoreDB pushes through its catch-up subscription. Workers read their own pages
 * with `readAll` from their checkpoints, and also wake on a timeout, so a broken subscription only
 * slows them down.
 */
import type { EventStore } from '../events/log/port.js';
import { pause } from './timing.js';

/** Wakes sleeping workers when the log moves. */
export type Doorbell = {
  /** Resolves when a position beyond `after` is known, on the next ring, after `timeoutMs`, or at close. */
  wait(after: bigint, timeoutMs: number): Promise<void>;
  /** Wakes every waiter (a rebuild was requested, the runner closes…). */
  ring(): void;
  /** The furthest position heard of. */
  latest(): bigint;
  close(): Promise<void>;
};

type Listen = { store: EventStore; signal: AbortSignal; onError: (error: unknown) => void };

/** Opens the doorbell at the current head of the log. */
export const openDoorbell = async (listen: Listen): Promise<Doorbell> => {
  let latest = await listen.store.headPosition();
  const sleepers = new Set<() => void>();
  const ring = (): void => {
    for (const wake of [...sleepers]) wake();
  };
  const heard = (position: bigint): void => {
    if (position > latest) latest = position;
    ring();
  };
  const loop = listenLoop(listen, () => latest, heard);
  const wait = (after: bigint, timeoutMs: number): Promise<void> =>
    latest > after || listen.signal.aborted ? Promise.resolve() : sleep(sleepers, timeoutMs);
  return { wait, ring, latest: () => latest, close: async () => (ring(), await loop) };
};

const sleep = (sleepers: Set<() => void>, timeoutMs: number): Promise<void> =>
  new Promise((resolve) => {
    const wake = (): void => {
      clearTimeout(timer);
      sleepers.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, timeoutMs);
    sleepers.add(wake);
  });

/** Subscribes from the latest known position; when it fails or ends, waits a second and subscribes again. */
const listenLoop = async (listen: Listen, latest: () => bigint, heard: (position: bigint) => void): Promise<void> => {
  const { store, signal, onError } = listen;
  while (!signal.aborted) {
    const subscription = store.subscribeToAll({ after: latest() });
    const stop = (): void => void subscription.close();
    signal.addEventListener('abort', stop);
    try {
      for await (const event of subscription) heard(event.position);
    } catch (error) {
      onError(error);
    } finally {
      signal.removeEventListener('abort', stop);
      await subscription.close();
    }
    await pause(1000, signal); // only reached when the subscription ended or failed without being closed
  }
};
