/**
 * Checkpoints of read.db, off the main thread. The runner writes read models on the main thread;
 * with SQLite's automatic checkpoints, the commit that crossed the threshold would copy the whole
 * WAL into the database file and fsync it right there (tens of milliseconds, during which no
 * request is answered). A thread of its own checkpoints instead, a little at a time; the main
 * connection keeps an automatic checkpoint only as a far safety net (`SAFETY_NET_PAGES`). Should
 * the thread fail (it cannot open the file, or dies), `onFailure` hears why: the caller brings the
 * connection's own checkpoints back to their usual size, so the WAL does not grow to the net.
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

export type CheckpointerOptions = {
  everyMs?: number;
  /** Default 1 s. */
  startAfterMs?: number;
  /** The thread failed or exited on its own; checkpoints are no longer made there. */
  onFailure?: (error: Error) => void;
};

type Thread = { close(): Promise<void> };

const startThreadFor = (file: string, everyMs: number, onFailure: (error: Error) => void): Thread => {
  const { port1: port, port2 } = new MessageChannel();
  const worker = startThread(import.meta.url, 'read-checkpointer-thread', { file, port: port2, everyMs }, [port2]);
  let ready = false;
  let closing = false;
  let failed = false;
  const fail = (error: Error): void => {
    if (closing || failed) return;
    failed = true;
    onFailure(error);
  };
  const ended = new Promise<void>((resolve) => worker.once('exit', (code) => {
    fail(new Error(`The read.db checkpointer thread exited (code ${code})`));
    resolve();
  }));
  port.on('message', (message) => void (ready ||= message === 'ready'));
  worker.on('error', fail);
  port.unref();
  worker.unref();
  return {
    // A thread still starting has not opened its connection: stop it; else let it close its connection.
    close: async () => {
      closing = true;
      worker.ref();
      if (!ready) await worker.terminate();
      else port.close();
      await ended;
    },
  };
};

/** Checkpoints `file` (a read-model database in WAL mode) on a thread of its own, from a second on. */
export const startCheckpointer = (file: string, options: CheckpointerOptions = {}): Checkpointer => {
  const { everyMs = EVERY_MS, startAfterMs = START_AFTER_MS, onFailure = () => undefined } = options;
  let thread: Thread | undefined;
  const timer = setTimeout(() => (thread = startThreadFor(file, everyMs, onFailure)), startAfterMs);
  timer.unref();
  return {
    close: async () => {
      clearTimeout(timer);
      await thread?.close();
    },
  };
};
