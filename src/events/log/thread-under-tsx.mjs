// Under tsx (tests, benchmarks) a worker thread does not inherit tsx's loader: register it here,
// then load the thread's TypeScript module (`workerData.entry`). See `threads.ts`.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
