/**
 * `npm run bench -- commands`: commands/s through the one command handler (load → fold → decide
 * → encrypt → append) creating contacts with personal fields (a new subject, so a new data key,
 * per command) and catalogue records without any, at 1 and 64 concurrent callers, each as a ratio
 * of the bare store append of the same event (the bytes the handler wrote) measured in the same
 * run, in alternating slices.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { handleCommand, type CommandContext, type CommandDeps } from '../src/commands/handle.js';
import { catalogueDecider, type RecordCommand } from '../src/commands/catalogue.js';
import { contactAggregate } from '../src/commands/sales/contact.js';
import type { RecordKind } from '../src/events/catalogue.js';
import type { EventStore, RecordedEvent } from '../src/events/log/port.js';
import { openSqliteEventStore } from '../src/events/log/sqlite.js';
import { streamName } from '../src/events/log/stream-name.js';
import { openKeyStore } from '../src/events/personal-data/key-store.js';
import {
  fmtInt,
  fmtRatio,
  machine,
  measureConcurrent,
  printTable,
  withTempDir,
  writeResults,
  type Budget,
  type ConcurrentRun,
} from './lib.js';

const BUDGET: Budget = { warmupMs: 500, durationMs: 4_000, maxOps: 200_000 };
const CALLERS = [1, 64];

const partnerKind: RecordKind = {
  type: 'bench.partner', eventPrefix: 'Partner', required: ['name'], personal: [], filterable: [], sortable: [],
  fields: { name: { type: 'string' }, tier: { type: 'string' }, city: { type: 'string' }, country: { type: 'string' } },
  classification: { name: 'public', tier: 'internal', city: 'internal', country: 'internal' },
};
const partnerAggregate = { type: partnerKind.type, decider: catalogueDecider(partnerKind) };
const fields = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org', phone: '+44 20 7946 0000', city: 'London' };

const context = (): CommandContext => ({
  tenantId: 'bench', actorId: 'user-1', commandId: randomUUID(), correlationId: randomUUID(), now: new Date(),
});
const create = (subjectId?: string): RecordCommand =>
  ({ type: 'CreateRecord', fields, ownerId: 'user-1', tags: [], ...(subjectId ? { subjectId } : {}) });

type Step = () => Promise<number>;

/**
 * A handler workload and its baseline: the bare append of the very event the handler writes (its
 * stored data and metadata, ciphertexts included, under a fresh id and stream), so the ratio is
 * the handler's own cost, not a difference in event size.
 */
type Workload = { label: string; handler: (deps: CommandDeps) => Step };

// Creates on a new id, as the create routes send them (`fresh`: no read of the empty stream first).

const HANDLER_WORKLOADS: Workload[] = [
  {
    label: 'handler, no personal fields',
    handler: (deps) => async () =>
      (await handleCommand(deps, partnerAggregate, { id: randomUUID(), command: create(), context: context(), fresh: true })).events,
  },
  {
    label: 'handler, contact with 4 personal fields (new key)',
    handler: (deps) => async () => {
      const subjectId = await deps.keyStore.newSubjectId('bench');
      return (await handleCommand(deps, contactAggregate, { id: randomUUID(), command: create(subjectId), context: context(), fresh: true })).events;
    },
  },
];

type Template = Pick<RecordedEvent, 'type' | 'schemaVersion' | 'data' | 'metadata'>;

/** Appends `event`'s type, data and metadata again, each time as a new event of a new stream. */
const bareAppendOf = (store: EventStore, event: Template): Step => async () => {
  const { type, schemaVersion, data, metadata } = event;
  await store.append(streamName('bench', 'sales.contact', randomUUID()), [{ id: randomUUID(), type, schemaVersion, data, metadata }], {
    expectedRevision: 'no_stream',
  });
  return 1;
};

/** The smaller event earlier figures used as the baseline (fields in plaintext, metadata of one key): shown for comparison. */
const smallEvent: Template = { type: 'ContactCreated', schemaVersion: 1, data: { fields, ownerId: 'user-1', tags: [] }, metadata: { tenantId: 'bench' } };

// The disk's fsync latency drifts on these machines from second to second: the workloads are
// measured in alternating short slices (each on its own stores, kept open) so all see the same disk.
const SLICES = 6;
const SLICE: Budget = { warmupMs: 100, durationMs: BUDGET.durationMs / SLICES, maxOps: BUDGET.maxOps };
const WARM_UP: Budget = { warmupMs: BUDGET.warmupMs, durationMs: 0, maxOps: 0 };

const openDeps = (dir: string): CommandDeps => {
  mkdirSync(dir);
  return { store: openSqliteEventStore(join(dir, 'events.db')), keyStore: openKeyStore(join(dir, 'keys.db'), randomBytes(32)) };
};

const sum = (runs: ConcurrentRun[]) => {
  const ops = runs.reduce((n, r) => n + r.ops, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  return { perSecond: ops / seconds, failure: runs.find((r) => r.failure)?.failure };
};

/** A measured workload: its label, the step each caller repeats, and the row it is divided by. */
type Measured = { label: string; step: Step; baseline?: number };

// 1. warm each handler up on its own stores; 2. read back the event it wrote, the template of its
// bare append (on stores of its own); 3. every workload in turn, slice after slice.
const workloadsOf = async (callers: number, dir: string, deps: CommandDeps[]): Promise<Measured[]> => {
  const open = (name: string): CommandDeps => deps[deps.push(openDeps(join(dir, name))) - 1]!;
  const list: Measured[] = [{ label: 'bare append of a smaller event (the earlier baseline)', step: bareAppendOf(open('small').store, smallEvent) }];
  for (const [i, w] of HANDLER_WORKLOADS.entries()) {
    const own = open(`handler-${i}`);
    const handler = w.handler(own);
    await measureConcurrent(WARM_UP, callers, () => handler);
    const [written] = await own.store.readAll({ maxCount: 1 });
    const bare = list.push({ label: `bare append of the same event (${w.label.replace('handler, ', '')})`, step: bareAppendOf(open(`bare-${i}`).store, written!) }) - 1;
    list.push({ label: w.label, step: handler, baseline: bare });
  }
  for (const m of list.filter((x) => x.baseline === undefined)) await measureConcurrent(WARM_UP, callers, () => m.step);
  return list;
};

/** Each workload at `callers` callers: a warm-up, then `SLICES` slices taken in turn with the others. */
const measureAll = (callers: number) =>
  withTempDir('crm-bench-commands', async (dir) => {
    const deps: CommandDeps[] = [];
    try {
      const list = await workloadsOf(callers, dir, deps);
      const runs = list.map((): ConcurrentRun[] => []);
      for (let slice = 0; slice < SLICES; slice++) {
        for (const [i, m] of list.entries()) runs[i]!.push(await measureConcurrent(SLICE, callers, () => m.step));
      }
      return list.map((m, i) => ({ ...m, ...sum(runs[i]!) }));
    } finally {
      for (const d of deps) await d.store.close().finally(() => d.keyStore.close());
    }
  });

export const runCommandsSuite = async (): Promise<void> => {
  console.log(`commands: ${JSON.stringify(machine())}`);
  const rows: string[][] = [];
  const results: Record<string, unknown> = {};
  for (const callers of CALLERS) {
    const runs = await measureAll(callers);
    for (const run of runs) {
      const ratio = run.baseline === undefined ? undefined : run.perSecond / runs[run.baseline]!.perSecond;
      rows.push([run.label, String(callers), fmtInt(run.perSecond), ratio === undefined ? '' : fmtRatio(ratio), run.failure?.message ?? '']);
      results[`${callers}:${run.label}`] = { callers, perSecond: run.perSecond, ratio, failure: run.failure };
    }
  }
  printTable(['workload', 'callers', 'commands/s', '÷ bare append of the same event', 'note'], rows);
  console.log(`target: handler with personal fields at 64 callers ≥ 0.70× the bare append`);
  console.log(`results: ${writeResults('commands', { machine: machine(), at: new Date().toISOString(), results })}`);
};
