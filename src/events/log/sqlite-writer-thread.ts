/**
 * The thread behind `sqlite-writer.ts`: its own connection to events.db (same pragmas, so
 * `synchronous=FULL`), running one group-commit transaction per batch it receives and answering
 * only once that transaction has committed. While it writes and fsyncs, the main thread runs.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { openEventsDatabase } from './sqlite-db.js';
import { batchWriter, toWire, type WireAppend, type WireBatchResult } from './sqlite-write.js';

const { file, port } = workerData as { file: string; port: MessagePort };

const db = openEventsDatabase(file);
const write = batchWriter(db);

const answer = (batch: WireAppend[], now: string): WireBatchResult => {
  try {
    return { outcomes: write(batch, now).map(toWire) };
  } catch (error) {
    return { failed: error instanceof Error ? error.message : 'unknown error' };
  }
};

port.on('message', ({ batch, now }: { batch: WireAppend[]; now: string }) => port.postMessage(answer(batch, now)));
port.on('close', () => db.close());
port.postMessage('ready');
