/**
 * The main thread's handle on the SQLite writer thread: starts it, sends it one batch at a time
 * and answers that batch's result. Until the thread has opened its connection (or after it died)
 * it is not `ready`, and the writer commits on the main thread instead.
 */
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { startThread } from './threads.js';
import type { WireAppend, WireBatchResult } from './sqlite-write.js';

export type WriterThread = {
  ready(): boolean;
  /** Writes one batch; one at a time. Answers `{ failed }` when the thread died meanwhile (nothing acknowledged). */
  write(batch: WireAppend[], now: string): Promise<WireBatchResult>;
  /** Closes the thread's connection and waits for the thread to end. */
  close(): Promise<void>;
};

type Answer = WireBatchResult | 'ready';

type State = {
  port: MessagePort;
  worker: Worker;
  ended: Promise<void>;
  ready: boolean;
  waiting: ((result: WireBatchResult) => void) | undefined;
};

/** Hands the batch in flight its result; the port keeps the process alive only while one is in flight. */
const answer = (st: State, result: WireBatchResult): void => {
  const resolve = st.waiting;
  st.waiting = undefined;
  st.port.unref();
  resolve?.(result);
};

const die = (st: State, reason: string): void => {
  st.ready = false;
  answer(st, { failed: reason });
};

const write = (st: State, batch: WireAppend[], now: string): Promise<WireBatchResult> =>
  new Promise((resolve) => {
    st.waiting = resolve;
    st.port.ref();
    st.port.postMessage({ batch, now });
  });

const close = async (st: State): Promise<void> => {
  if (!st.ready) return void (await st.worker.terminate()); // still starting: nothing was ever sent to it
  st.ready = false;
  st.worker.ref(); // the store's close waits for the thread's connection to close
  st.port.close();
  await st.ended;
};

export const startWriterThread = (file: string): WriterThread => {
  const { port1: port, port2 } = new MessageChannel();
  const worker = startThread(import.meta.url, 'sqlite-writer-thread', { file, port: port2 }, [port2]);
  const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const st: State = { port, worker, ended, ready: false, waiting: undefined };
  port.on('message', (message: Answer) => (message === 'ready' ? (st.ready = true) : answer(st, message)));
  port.unref();
  worker.on('error', (error) => die(st, error.message));
  worker.on('exit', () => die(st, 'The writer thread ended'));
  worker.unref();
  return {
    ready: () => st.ready,
    write: (batch, now) => write(st, batch, now),
    close: () => close(st),
  };
};
