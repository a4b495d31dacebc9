/**
 * Helpers shared by the benchmark suites: temporary directories, bounded measurement loops
 * (warm-up, then a fixed duration or operation count, whichever comes first), and output.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Warm-up, then measure until `durationMs` has passed or `maxOps` operations completed. */
export type Budget = { warmupMs: number; durationMs: number; maxOps: number };

export type Rate = { ops: number; seconds: number; perSecond: number };

/** The first error a concurrent run met: what it said and how far the run had got. */
export type Failure = { message: string; code: string | undefined; afterOps: number; atMs: number };

export type ConcurrentRun = Rate & {
  writers: number;
  /** Operations acknowledged since the start, warm-up included. */
  totalOps: number;
  failure: Failure | undefined;
  failedWriters: number;
  /** How long the writers took to settle once told to stop (or to fail). */
  settleMs: number;
  /** False when some writer was still waiting on its store when `settleCapMs` ran out. */
  settled: boolean;
};

export const rate = (ops: number, ms: number): Rate => ({
  ops,
  seconds: ms / 1000,
  perSecond: ms > 0 ? (ops * 1000) / ms : 0,
});

/** Runs `fn` in a fresh directory under os.tmpdir(), removed afterwards even when `fn` throws. */
export const withTempDir = async <T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> => {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** Measures a synchronous step; `step` returns how many operations it completed. */
export const measureSync = (budget: Budget, step: () => number): Rate => {
  const warmEnd = performance.now() + budget.warmupMs;
  while (performance.now() < warmEnd) step();
  let ops = 0;
  const start = performance.now();
  const end = start + budget.durationMs;
  while (ops < budget.maxOps && performance.now() < end) ops += step();
  return rate(ops, performance.now() - start);
};

type LoopState = { stop: boolean; ops: number; start: number; failure: Failure | undefined; failedWriters: number };

const describeError = (error: unknown): { message: string; code: string | undefined } => ({
  message: error instanceof Error ? error.message : String(error),
  code: (error as { code?: unknown } | null)?.code === undefined ? undefined : String((error as { code: unknown }).code),
});

/** One writer: awaits its own operations one after another until told to stop or until one fails. */
const writerLoop = async (s: LoopState, step: () => Promise<number>): Promise<void> => {
  try {
    while (!s.stop) {
      const done = await step(); // not `s.ops += await step()`: that reads s.ops before the await
      s.ops += done;
    }
  } catch (error) {
    s.failedWriters += 1;
    s.failure ??= { ...describeError(error), afterOps: s.ops, atMs: performance.now() - s.start };
    s.stop = true;
  }
};

const waitUntil = async (done: () => boolean): Promise<void> => {
  while (!done()) await sleep(5);
};

/**
 * `writers` concurrent async loops, each awaiting its own steps (`makeStep(w)` builds writer w's).
 * The first failure stops every writer; the run then waits up to `settleCapMs` for them to settle.
 */
export const measureConcurrent = async (
  budget: Budget,
  writers: number,
  makeStep: (writer: number) => () => Promise<number>,
  settleCapMs = 20_000,
): Promise<ConcurrentRun> => {
  const s: LoopState = { stop: false, ops: 0, start: performance.now(), failure: undefined, failedWriters: 0 };
  const loops = Promise.all(Array.from({ length: writers }, (_, w) => writerLoop(s, makeStep(w))));
  await waitUntil(() => s.stop || performance.now() - s.start >= budget.warmupMs);
  const ops0 = s.ops;
  const t0 = performance.now();
  await waitUntil(() => s.stop || s.ops - ops0 >= budget.maxOps || performance.now() - t0 >= budget.durationMs);
  const measured = rate(s.ops - ops0, performance.now() - t0);
  s.stop = true;
  const stopAt = performance.now();
  const settled = await Promise.race([loops.then(() => true), sleep(settleCapMs, false, { ref: false })]);
  const settleMs = performance.now() - stopAt;
  return { ...measured, writers, totalOps: s.ops, failure: s.failure, failedWriters: s.failedWriters, settleMs, settled };
};

/** Runs `fn` with console.log silenced (some stores log every error they rethrow); counts the lines. */
export const withConsoleLogMuted = async <T>(fn: () => Promise<T>): Promise<{ value: T; mutedLines: number }> => {
  const original = console.log;
  let mutedLines = 0;
  console.log = () => void (mutedLines += 1);
  try {
    return { value: await fn(), mutedLines };
  } finally {
    console.log = original;
  }
};

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

export const fmtRatio = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}×` : 'n/a');

/** Prints rows as a table: the first and last columns aligned left, the others right. */
export const printTable = (header: string[], rows: string[][]): void => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const left = (i: number): boolean => i === 0 || i === header.length - 1;
  const line = (cells: string[]): string =>
    cells.map((c, i) => (left(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
};

export const machine = () => ({
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
});

/** Writes `bench/results/<suite>.json`; answers the path. */
export const writeResults = (suite: string, results: unknown): string => {
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${suite}.json`, dir);
  const replacer = (_key: string, value: unknown): unknown =>
    typeof value === 'bigint' ? value.toString() : value === undefined ? null : value;
  const json = JSON.stringify(results, replacer, 2);
  writeFileSync(file, `${json}\n`);
  return file.pathname;
};
