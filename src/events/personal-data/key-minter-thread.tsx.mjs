// Under tsx (tests, benchmarks) a worker thread does not inherit tsx's loader: register it here,
// then load the thread's TypeScript module.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./key-minter-thread.ts', import.meta.url).href);
