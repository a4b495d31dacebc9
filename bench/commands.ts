/**
 * `npm run bench -- commands`: commands/s through the one command handler (load → fold → decide
 * → encrypt → append) creating contacts with personal fields (a new subject, so a new data key,
 * per command) and catalogue records without any, at 1 and 64 concurrent callers, each as a ratio
 * of the bare store append of the same event measured in the same run, in alternating slices.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { handleCommand, type CommandContext, type CommandDeps } from '../src/commands/handle.js';
import { catalogueDecider, type RecordCommand } from '../src/commands/catalogue.js';
import { contactAggregate } from '../src/commands/sales/contact.js';
import type { RecordKind } from '../src/events/catalogue.js';
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

type Workload = { label: string; step: (deps: CommandDeps) => () => Promise<number> };

const WORKLOADS: Workload[] = [
  {
    label: 'bare append (no handler)',
    step: ({ store }) => async () => {
      const data = { fields, ownerId: 'user-1', tags: [] };
      const event = { id: randomUUID(), type: 'ContactCreated', schemaVersion: 1, data, metadata: { tenantId: 'bench' } };
      await store.append(streamName('bench', 'sales.contact', randomUUID()), [event], { expectedRevision: 'no_stream' });
      return 1;
    },
  },
  {
    label: 'handler, no personal fields',
    step: (deps) => async () =>
      (await handleCommand(deps, partnerAggregate, { id: randomUUID(), command: create(), context: context() })).events,
  },
  {
    label: 'handler, contact with 4 personal fields (new key)',
    step: (deps) => async () => {
      const subjectId = await deps.keyStore.newSubjectId('bench');
      return (await handleCommand(deps, contactAggregate, { id: randomUUID(), command: create(subjectId), context: context() })).events;
    },
  },
];

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

/** Each workload at `callers` callers: a warm-up, then `SLICES` slices taken in turn with the others. */
const measureAll = (callers: number) =>
  withTempDir('crm-bench-commands', async (dir) => {
    const deps = WORKLOADS.map((_, i) => openDeps(join(dir, String(i))));
    try {
      for (const [i, w] of WORKLOADS.entries()) await measureConcurrent(WARM_UP, callers, () => w.step(deps[i]!));
      const runs = WORKLOADS.map((): ConcurrentRun[] => []);
      for (let slice = 0; slice < SLICES; slice++) {
        for (const [i, w] of WORKLOADS.entries()) runs[i]!.push(await measureConcurrent(SLICE, callers, () => w.step(deps[i]!)));
      }
      return runs.map(sum);
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
    const bare = runs[0]!.perSecond;
    WORKLOADS.forEach((w, i) => {
      const run = runs[i]!;
      rows.push([`${w.label}`, String(callers), fmtInt(run.perSecond), fmtRatio(run.perSecond / bare), run.failure?.message ?? '']);
      results[`${callers}:${w.label}`] = { callers, perSecond: run.perSecond, ratio: run.perSecond / bare, failure: run.failure };
    });
  }
  printTable(['workload', 'callers', 'commands/s', '÷ bare append', 'note'], rows);
  console.log(`target: handler with personal fields at 64 callers ≥ 0.70× the bare append`);
  console.log(`results: ${writeResults('commands', { machine: machine(), at: new Date().toISOString(), results })}`);
};
