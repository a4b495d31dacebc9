/**
 * Mints new subjects' data keys on a worker thread (`key-minter-thread.ts`), so the fsync of
 * keys.db runs beside the main thread instead of stopping it. A batch is answered only after its
 * transaction committed: its keys are durable before any of its subject ids is handed out.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { startThread } from '../log/threads.js';
import { UnavailableError } from '../../errors.js';
import { KEY_BYTES } from './cipher.js';
import type { Master, NewKey } from './key-table.js';

export type MintRequest = { id: number; tenant: string; count: number; master: Master };
export type MintReply = { id: number; subjects: string[]; keys: Uint8Array } | { id: number; failed: string };

/** A committed batch, or undefined: the thread could not mint it, so the caller mints it itself (and meets the typed error, if any). */
export type Minted = NewKey[] | undefined;

export type Minter = {
  mint(tenant: string, count: number, master: Master): Promise<Minted>;
  /** Waits (blocking, bounded) for the batches in flight, stops the thread, and answers those batches' keys. */
  close(): Array<{ tenant: string; keys: NewKey[] }>;
};

const CLOSE_WAIT_MS = 10_000;

type Waiting = { tenant: string; resolve: (minted: Minted) => void; reject: (error: unknown) => void };
type State = { port: MessagePort; signal: Int32Array; waiting: Map<number, Waiting>; next: number; broken: boolean };

const closedError = (): UnavailableError => new UnavailableError('key_store_closed', 'The key store is closed');

const toKeys = (reply: MintReply): Minted =>
  'failed' in reply
    ? undefined
    : reply.subjects.map((subject, i) => ({
        subject,
        key: Buffer.from(reply.keys.subarray(i * KEY_BYTES, (i + 1) * KEY_BYTES)),
      }));

/** Removes the request's waiter; the port keeps the process alive only while something waits. */
const take = (st: State, id: number): Waiting | undefined => {
  const waiter = st.waiting.get(id);
  st.waiting.delete(id);
  if (st.waiting.size === 0) st.port.unref();
  return waiter;
};

/** The thread is gone: every waiter, and every later batch, is minted by the caller. */
const giveUp = (st: State): void => {
  st.broken = true;
  for (const waiter of st.waiting.values()) waiter.resolve(undefined);
  st.waiting.clear();
  st.port.unref();
};

const mint = (st: State, tenant: string, count: number, master: Master): Promise<Minted> => {
  if (st.broken) return Promise.resolve(undefined);
  const id = (st.next += 1);
  st.port.ref();
  st.port.postMessage({ id, tenant, count, master } satisfies MintRequest);
  return new Promise((resolve, reject) => st.waiting.set(id, { tenant, resolve, reject }));
};

/** Receives the answers still in flight, blocking on the shared counter between them, up to a deadline. */
const drain = (st: State): Array<{ tenant: string; keys: NewKey[] }> => {
  const answered: Array<{ tenant: string; keys: NewKey[] }> = [];
  const deadline = Date.now() + CLOSE_WAIT_MS;
  while (st.waiting.size > 0 && !st.broken && Date.now() < deadline) {
    const seen = Atomics.load(st.signal, 0);
    const received = receiveMessageOnPort(st.port);
    if (!received) {
      Atomics.wait(st.signal, 0, seen, Math.max(0, deadline - Date.now()));
      continue;
    }
    const reply = received.message as MintReply;
    const keys = toKeys(reply);
    const waiter = take(st, reply.id);
    if (waiter && keys) answered.push({ tenant: waiter.tenant, keys });
    waiter?.reject(closedError());
  }
  return answered;
};

/** Starts the thread on `file` (not `:memory:`: a thread cannot share an in-memory database). */
export const startMinter = (file: string): Minter => {
  const { port1, port2 } = new MessageChannel();
  const st: State = { port: port1, signal: new Int32Array(new SharedArrayBuffer(4)), waiting: new Map(), next: 0, broken: false };
  const worker = startThread(import.meta.url, 'key-minter-thread', { file, port: port2, signal: st.signal }, [port2]);
  port1.on('message', (reply: MintReply) => take(st, reply.id)?.resolve(toKeys(reply)));
  port1.unref();
  worker.on('error', () => giveUp(st));
  worker.on('exit', () => giveUp(st));
  worker.unref();
  return {
    mint: (tenant, count, master) => mint(st, tenant, count, master),
    close: () => {
      const answered = drain(st);
      for (const waiter of st.waiting.values()) waiter.reject(closedError());
      st.waiting.clear();
      st.broken = true;
      port1.close();
      return answered;
    },
  };
};
