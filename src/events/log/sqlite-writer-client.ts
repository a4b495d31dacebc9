/**
 * The main thread's handle on the SQLite writer thread: starts it, sends it one batch at a time
 * and answers that batch's result. Until the thread has opened its connection (or after it died)
 * it is not `ready`, and the writer commits on the main thread instead.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import type { WireAppend, WireBatchResult } from './sqlite-write.js';

export type WriterThread = {
  ready(): boolean;
  /** Writes one batch; one at a time. Answers `{ failed }` when the thread died meanwhile (nothing acknowledged). */
  write(batch: WireAppend[], now: string): Promise<WireBatchResult>;
  /** Closes the thread's connection and waits for the thread to end. */
  close(): Promise<void>;
};

// The thread's module, beside this one. Built, it is `sqlite-writer-thread.js`; under tsx (tests,
// benchmarks) a worker does not inherit tsx's loader, so a plain module registers it first.
const THREAD = import.meta.url.endsWith('.ts')
  ? new URL('./sqlite-writer-thread.tsx.mjs', import.meta.url)
  : new URL('./sqlite-writer-thread.js', import.meta.url);

type Answer = WireBatchResult | 'ready';

export const startWriterThread = (file: string): WriterThread => {
  const { port1: port, port2 } = new MessageChannel();
  const worker = new Worker(THREAD, { workerData: { file, port: port2 }, transferList: [port2] });
  const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let ready = false;
  let waiting: ((result: WireBatchResult) => void) | undefined;

  const answer = (result: WireBatchResult): void => {
    const resolve = waiting;
    waiting = undefined;
    port.unref();
    resolve?.(result);
  };
  const die = (reason: string): void => {
    ready = false;
    answer({ failed: reason });
  };
  port.on('message', (message: Answer) => (message === 'ready' ? (ready = true) : answer(message)));
  port.unref();
  worker.on('error', (error) => die(error.message));
  worker.on('exit', () => die('The writer thread ended'));
  worker.unref();
  return {
    ready: () => ready,
    write: (batch, now) =>
      new Promise((resolve) => {
        waiting = resolve;
        port.ref();
        port.postMessage({ batch, now });
      }),
    close: async () => {
      if (!ready) return void (await worker.terminate()); // still starting: nothing was ever sent to it
      ready = false;
      worker.ref(); // the store's close waits for the thread's connection to close
      port.close();
      await ended;
    },
  };
};
