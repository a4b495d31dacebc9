/**
 * `npm run bench -- store`: our SQLite event store against raw better-sqlite3 (same table, same
 * pragmas) and against Emmett's SQLite event store, on one small payload. Prints a table, the
 * ratios with their acceptance targets, and writes `bench/results/store.json`.
 */
import { fmtInt, fmtRatio, machine, printTable, writeResults, type ConcurrentRun, type Rate } from './lib.js';
import { peerRun, type PeerRun } from './store-peer.js';
import {
  BUDGET,
  PAYLOAD_BYTES,
  RAW_BATCH,
  READ_PAGE,
  WRITERS,
  oursConcurrentThenReadAll,
  oursOneWriter,
  rawInserts,
  type ReadAllRun,
} from './store-workload.js';

type Measured = { key: string; label: string; writers: number; run: Rate; note: string };

type Check = { label: string; value: number; target: string; pass: boolean; basis: string };

const PEER_WRITERS = [1, 2, WRITERS];

/** Runs one measurement, saying what it is doing (the whole suite takes tens of seconds). */
const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
  process.stdout.write(`  ${label} … `);
  const start = performance.now();
  const value = await fn();
  console.log(`${((performance.now() - start) / 1000).toFixed(1)} s`);
  return value;
};

const failureNote = (run: ConcurrentRun): string =>
  run.failure ? `FAILED after ${fmtInt(run.failure.afterOps)} appends: ${run.failure.message}` : '';

const peerRow = (run: PeerRun): Measured => ({
  key: `peer${run.writers}`,
  label: `emmett-sqlite append, ${run.writers} writer${run.writers === 1 ? '' : 's'}`,
  writers: run.writers,
  run,
  note: failureNote(run) || (run.writers === 1 ? "no concurrency check ('any')" : 'exact versions'),
});

const readAllRow = (r: ReadAllRun): Measured => ({
  key: 'readAll',
  label: `ours readAll, pages of ${fmtInt(READ_PAGE)}`,
  writers: 1,
  run: r,
  note: `log of ${fmtInt(r.logEvents)} events (from the 64-writer run), ${r.passes} pass${r.passes === 1 ? '' : 'es'}`,
});

// One writer is bound by fsync latency, which drifts on these machines from second to second: the
// raw single insert and ours are measured in alternating short slices so both see the same disk.
const SLICES = 6;
const SLICE: typeof BUDGET = { warmupMs: 100, durationMs: BUDGET.durationMs / SLICES, maxOps: BUDGET.maxOps };

const sum = <R extends Rate>(runs: R[]): R => {
  const ops = runs.reduce((n, r) => n + r.ops, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  return { ...runs[runs.length - 1]!, ops, seconds, perSecond: ops / seconds };
};

// Both are warmed up first (JIT, page cache, the first files of the temporary directory), so the
// first slices measure the steady state like the others.
const WARM_UP: typeof BUDGET = { warmupMs: 0, durationMs: 500, maxOps: BUDGET.maxOps };

const interleavedSingles = async () => {
  await rawInserts(1, WARM_UP);
  await oursOneWriter(WARM_UP);
  const raw: Rate[] = [];
  const ours: ConcurrentRun[] = [];
  for (let i = 0; i < SLICES; i++) {
    raw.push(await rawInserts(1, SLICE));
    ours.push(await oursOneWriter(SLICE));
  }
  const failed = ours.find((r) => r.failure);
  return { rawSingle: sum(raw), ours1: failed ?? sum(ours) };
};

const measureAll = async () => {
  const { rawSingle, ours1 } = await timed(`raw 1 row/tx and our store with 1 writer, ${SLICES} alternating slices`, interleavedSingles);
  const rawBatched = await timed(`raw better-sqlite3, ${RAW_BATCH} rows per transaction`, () => rawInserts(RAW_BATCH));
  const { write: ours64, readAll } = await timed(`our store, ${WRITERS} writers, then readAll`, oursConcurrentThenReadAll);
  const peers: PeerRun[] = [];
  for (const writers of PEER_WRITERS) peers.push(await timed(`emmett-sqlite, ${writers} writer${writers === 1 ? '' : 's'}`, () => peerRun(writers)));
  return { rawSingle, rawBatched, ours1, ours64, readAll, peers };
};

type Measurements = Awaited<ReturnType<typeof measureAll>>;

const rows = (m: Measurements): Measured[] => [
  { key: 'rawSingle', label: 'raw better-sqlite3, 1 row/tx', writers: 1, run: m.rawSingle, note: 'BEGIN IMMEDIATE … COMMIT per row' },
  { key: 'rawBatched', label: `raw better-sqlite3, ${RAW_BATCH} rows/tx`, writers: 1, run: m.rawBatched, note: '' },
  { key: 'ours1', label: 'ours append, 1 writer', writers: 1, run: m.ours1, note: failureNote(m.ours1) || "1 event/append, 'any'" },
  { key: 'ours64', label: `ours append, ${WRITERS} writers`, writers: WRITERS, run: m.ours64, note: failureNote(m.ours64) || '1 event/append, exact revisions' },
  readAllRow(m.readAll),
  ...m.peers.map(peerRow),
];

/** The peer's best figure among the runs that did not fail. */
const peerBest = (peers: PeerRun[]): PeerRun | undefined =>
  peers.filter((p) => !p.failure).sort((a, b) => b.perSecond - a.perSecond)[0];

const ratioCheck = (label: string, value: number, min: number, basis: string): Check => ({
  label,
  value,
  target: `≥ ${min}×`,
  pass: value >= min,
  basis,
});

const checks = (m: Measurements): Check[] => {
  const best = peerBest(m.peers);
  const failedAt = m.peers.filter((p) => p.failure).map((p) => p.writers);
  const peerBasis = best
    ? `peer's best working figure: emmett-sqlite at ${best.writers} writer${best.writers === 1 ? '' : 's'}; it fails at ${failedAt.join(' and ') || 'no'} writers`
    : 'the peer failed at every writer count';
  return [
    ratioCheck('ours(1 writer) ÷ raw single-insert', m.ours1.perSecond / m.rawSingle.perSecond, 0.8, `rows/s at 1 row per transaction, ${SLICES} alternating slices each`),
    ratioCheck(`ours(${WRITERS} writers) ÷ raw batched-${RAW_BATCH}`, m.ours64.perSecond / m.rawBatched.perSecond, 0.5, `rows/s at ${RAW_BATCH} rows per transaction`),
    ratioCheck(`ours(${WRITERS} writers) ÷ peer`, best ? m.ours64.perSecond / best.perSecond : Number.NaN, 30, peerBasis),
    { label: 'readAll events/s', value: m.readAll.perSecond, target: '≥ 200,000/s', pass: m.readAll.perSecond >= 200_000, basis: `pages of ${fmtInt(READ_PAGE)}` },
  ];
};

const printMeasurements = (measured: Measured[]): void => {
  printTable(
    ['measurement', 'writers', 'ops', 'seconds', 'per second', 'notes'],
    measured.map((r) => [r.label, String(r.writers), fmtInt(r.run.ops), r.run.seconds.toFixed(2), fmtInt(r.run.perSecond), r.note]),
  );
};

const printChecks = (list: Check[]): void => {
  printTable(
    ['ratio', 'measured', 'target', 'result', 'basis'],
    list.map((c) => [
      c.label,
      c.target.includes('×') ? fmtRatio(c.value) : `${fmtInt(c.value)}/s`,
      c.target,
      Number.isNaN(c.value) ? 'n/a' : c.pass ? 'PASS' : 'FAIL',
      c.basis,
    ]),
  );
};

const printPeerFailures = (peers: PeerRun[]): void => {
  for (const p of peers.filter((run) => run.failure)) {
    const f = p.failure!;
    console.log(`\nemmett-sqlite at ${p.writers} writers FAILED:`);
    console.log(`  first error ${(f.atMs / 1000).toFixed(2)} s into the run, after ${fmtInt(f.afterOps)} acknowledged appends:`);
    console.log(`    ${f.code && !f.message.startsWith(f.code) ? `${f.code}: ` : ''}${f.message}`);
    console.log(`  ${p.failedWriters}/${p.writers} writers failed; ${fmtInt(p.totalOps)} appends acknowledged in all;`);
    console.log(`  rows actually in emt_messages afterwards: ${typeof p.rowsInFile === 'number' ? fmtInt(p.rowsInFile) : p.rowsInFile}`);
    const settle = p.settled ? `settled ${(p.settleMs / 1000).toFixed(1)} s after being stopped` : 'still hung when abandoned';
    console.log(`  writers ${settle}; emmett printed ${p.mutedLogLines} console.log lines (muted)`);
  }
};

const printOursConsistency = (m: Measurements): void => {
  const same = m.readAll.logEvents === m.ours64.totalOps;
  console.log(
    `\nours, ${WRITERS} writers: ${fmtInt(m.ours64.totalOps)} appends acknowledged (warm-up included), ` +
      `readAll found ${fmtInt(m.readAll.logEvents)} events in the log${same ? '' : ' — MISMATCH'}`,
  );
};

const toJson = (m: Measurements, measured: Measured[], list: Check[]) => ({
  suite: 'store',
  generatedAt: new Date().toISOString(),
  machine: machine(),
  budget: BUDGET,
  payloadBytes: PAYLOAD_BYTES,
  measurements: Object.fromEntries(measured.map((r) => [r.key, { label: r.label, writers: r.writers, note: r.note, ...r.run }])),
  ours64: m.ours64,
  peers: m.peers,
  checks: list,
});

export const runStoreSuite = async (): Promise<void> => {
  console.log(`store benchmark — payload: data ${PAYLOAD_BYTES.data} B, metadata ${PAYLOAD_BYTES.metadata} B of JSON;`);
  console.log(`each run: ${BUDGET.warmupMs} ms warm-up, then ${BUDGET.durationMs / 1000} s or ${fmtInt(BUDGET.maxOps)} ops\n`);
  const m = await measureAll();
  const measured = rows(m);
  const list = checks(m);
  console.log('');
  printMeasurements(measured);
  printOursConsistency(m);
  printPeerFailures(m.peers);
  console.log('');
  printChecks(list);
  console.log(`\nresults written to ${writeResults('store', toJson(m, measured, list))}`);
};
