/**
 * One batch: a page of the log applied to one generation of a projector's tables inside ONE
 * SQLite transaction that also moves the checkpoint (exactly-once effect: the rows and the
 * checkpoint commit together or not at all). The batch that ends a rebuild also swaps the
 * registry to the new tables in that same transaction.
 */
import type Database from 'better-sqlite3';
import { AppError } from '../errors.js';
import type { RecordedEvent } from '../events/log/port.js';
import { PERSONAL_DATA_ERASED } from '../events/personal-data/erased.js';
import type { ProjectedEvent, ProjectionTx, Projector } from './projector.js';
import { saveCheckpoint, swapGenerations, type Registry, type Role } from './registry.js';

/** Why a generation stopped: the event being applied, the error's message, and when it is retried. */
export type Failure = { position: bigint; message: string; attempts: number; retryAt: Date };

/** One generation of a projector's tables (logical → physical) and how far the log has been applied to it. */
export type Slot = {
  role: Role;
  version: number;
  generation: number;
  /** How far the log has been applied, including pages that held nothing for this projector. */
  checkpoint: bigint;
  /**
   * The checkpoint as this runner last saved it in the registry: a page holding no event the
   * projector handles moves `checkpoint` alone (`passed` counts its events), saved with the next
   * batch that writes, or when that count reaches a batch, or when the runner closes.
   */
  saved: bigint;
  passed: number;
  tables: Readonly<Record<string, string>>;
  tx: ProjectionTx;
  failure?: Failure;
  /** A rebuild's deferred indexes exist (they are built once its rows are loaded, before the swap). */
  indexed?: boolean;
};

/** What applying a batch needs: the read.db connection, the registry, and how events are read. */
export type BatchContext = {
  db: Database.Database;
  registry: Registry;
  /** Reveals personal fields (erased ones null) and upcasts, once for every live generation. */
  read: (event: RecordedEvent) => ProjectedEvent;
  /** The same for a rebuild's generation, whose events no other generation reads: nothing kept. */
  readAlone: (event: RecordedEvent) => ProjectedEvent;
};

/** A committed batch (up to `to`; `erasures` scrubbed), or the position of the event that threw and its error. */
export type BatchResult =
  | { ok: true; to: bigint; swapped: boolean; erasures: number }
  | { ok: false; position: bigint; error: unknown };

type Batch = { projector: Projector; handled: ReadonlySet<string>; slot: Slot; page: readonly RecordedEvent[]; swap: boolean };

const write = (ctx: BatchContext, batch: Batch, at: { position: bigint }, to: bigint): number => {
  const { projector, handled, slot, page } = batch;
  const read = slot.role === 'next' ? ctx.readAlone : ctx.read;
  // The checkpoint first: if another process (a CLI rebuild's runner) applied these events already,
  // this is a stale checkpoint to reload from, not their rows' unique keys failing as a projector bug.
  saveCheckpoint(ctx.registry, slot.role, { name: projector.name, generation: slot.generation, from: slot.saved, to: slot.saved });
  let erasures = 0;
  for (const event of page) {
    at.position = event.position;
    if (!handled.has(event.type)) continue;
    projector.apply(slot.tx, read(event));
    if (event.type === PERSONAL_DATA_ERASED) erasures += 1;
  }
  const move = { name: projector.name, generation: slot.generation, from: slot.saved, to };
  if (batch.swap) swapGenerations(ctx.registry, move, new Date().toISOString());
  else saveCheckpoint(ctx.registry, slot.role, move);
  return erasures;
};

/**
 * Applies the page and moves the checkpoint (or swaps) in one IMMEDIATE transaction. A throw
 * anywhere rolls everything back; the result then names the position of the event being applied.
 */
export const applyBatch = (ctx: BatchContext, batch: Batch): BatchResult => {
  const to = batch.page[batch.page.length - 1]?.position ?? batch.slot.checkpoint;
  const at = { position: batch.slot.checkpoint };
  try {
    const erasures = ctx.db.transaction(() => write(ctx, batch, at, to)).immediate();
    return { ok: true, to, swapped: batch.swap, erasures };
  } catch (error) {
    return { ok: false, position: at.position, error };
  }
};

/**
 * Saves a live checkpoint moved past pages with nothing to apply (see `Slot.saved`); false when
 * another runner moved it meanwhile (its next batch then reloads, as after any stale checkpoint).
 */
export const savePassed = (ctx: Pick<BatchContext, 'db' | 'registry'>, name: string, slot: Slot): boolean => {
  if (slot.role !== 'live' || slot.checkpoint === slot.saved) return true;
  const move = { name, generation: slot.generation, from: slot.saved, to: slot.checkpoint };
  try {
    ctx.db.transaction(() => saveCheckpoint(ctx.registry, 'live', move)).immediate();
  } catch (error) {
    if (error instanceof AppError && error.code === 'stale_checkpoint') return false;
    throw error;
  }
  Object.assign(slot, { saved: slot.checkpoint, passed: 0 });
  return true;
};
