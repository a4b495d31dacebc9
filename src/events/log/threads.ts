import { Worker, type MessagePort } from 'node:worker_threads';

/**
 * Starts the worker thread whose module is `name` (no extension) beside the module at `base` (its
 * `import.meta.url`). Built, that is `name.js`; under tsx, where a worker does not inherit the
 * loader, a plain module registers tsx first and then loads `name.ts`.
 */
export const startThread = (base: string, name: string, workerData: object, transferList: MessagePort[]): Worker => {
  if (!base.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, base), { workerData, transferList });
  const entry = new URL(`./${name}.ts`, base).href;
  return new Worker(new URL('./thread-under-tsx.mjs', import.meta.url), { workerData: { ...workerData, entry }, transferList });
};
