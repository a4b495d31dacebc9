/**
 * The thread behind `key-minter.ts`: its own connection to keys.db (same pragmas, `synchronous=FULL`),
 * so the fsync of each batch of new keys blocks this thread, never the one deciding commands.
 * Answers each request once its transaction has committed, then bumps the shared counter that lets
 * the main thread wait for the answer synchronously when it closes.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import type { MintReply, MintRequest } from './key-minter.js';
import { insertNewKeys, openDatabase, prepareStatements } from './key-table.js';

const { file, port, signal } = workerData as { file: string; port: MessagePort; signal: Int32Array };

const db = openDatabase(file);
const statements = prepareStatements(db);
const mint = db.transaction((r: MintRequest) => insertNewKeys(statements, r.master, r.tenant, r.count));

const answer = (r: MintRequest): MintReply => {
  try {
    const keys = mint.immediate(r);
    return { id: r.id, subjects: keys.map((k) => k.subject), keys: Buffer.concat(keys.map((k) => k.key)) };
  } catch (error) {
    return { id: r.id, failed: error instanceof Error ? error.message : 'unknown error' };
  }
};

port.on('message', (request: MintRequest) => {
  port.postMessage(answer(request));
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
port.on('close', () => db.close());
