/**
 * The thread behind `read-checkpointer.ts`: its own connection to read.db, copying the WAL back
 * into the database file every `everyMs` (a `PASSIVE` checkpoint: it never waits for, nor blocks,
 * the projection runner's writes or the queries). The copy and its fsync happen here.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { openReadDatabase } from './read-db.js';

const { file, port, everyMs } = workerData as { file: string; port: MessagePort; everyMs: number };

const db = openReadDatabase(file);
db.pragma('wal_autocheckpoint = 0');
db.pragma('busy_timeout = 0');

const checkpoint = (): void => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or locked: the next tick tries again
  }
};

const timer = setInterval(checkpoint, everyMs);
port.on('close', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
});
port.postMessage('ready');
