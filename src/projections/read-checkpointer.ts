/**
 * Checkpoints of read.db, off the main thread. The runner writes read models on the main thread;
 * with SQLite's automatic checkpoints, the commit that crossed the threshold would copy the whole
 * WAL into the database file and fsync it right there (tens of milliseconds, during which no
 * request is answered). A thread of its own checkpoints instead, a little at a time; the main
 * connection keeps an automatic checkpoint only as a far safety net (`SAFETY_NET_PAGES`).
 */
import { MessageChannel } from 'node:worker_threads';
import { startThread } from '../events/log/threads.js';

/** About 200 MiB of WAL: reached only if the thread could not keep up or is gone. */
export const SAFETY_NET_PAGES = 50_000;
const EVERY_MS = 100;
// The thread starts a second after the database opens: a process that lives less (a CLI command,
// a test) never pays for it, and the WAL of one second stays far below the safety net.
const START_AFTER_MS = 1_000;

export type Checkpointer = { close(): Promise<void> };

type Thread = { close(): Promise<void> };

const startThreadFor = (file: string, everyMs: number): Thread => {
  const { port1: port, port2 } = new MessageChannel();
  const worker = startThread(import.meta.url, 'read-checkpointer-thread', { file, port: port2, everyMs }, [port2]);
  const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let ready = false;
  port.on('message', (message) => void (ready ||= message === 'ready'));
  worker.on('error', () => undefined); // the safety net checkpoints instead
  port.unref();
  worker.unref();
  return {
    // A thread still starting has not opened its connection: stop it; else let it close its connection.
    close: async () => {
      worker.ref();
      if (!ready) await worker.terminate();
      else port.close();
      await ended;
    },
  };
};

/** Checkpoints `file` (a read-model database in WAL mode) on a thread of its own, from a second on. */
export const startCheckpointer = (file: string, everyMs = EVERY_MS): Checkpointer => {
  let thread: Thread | undefined;
  const timer = setTimeout(() => (thread = startThreadFor(file, everyMs)), START_AFTER_MS);
  timer.unref();
  return {
    close: async () => {
      clearTimeout(timer);
      await thread?.close();
    },
  };
};
