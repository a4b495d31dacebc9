/** Bringing each projector's registry rows in line with its code at start, and loading its run. */
import { NotFoundError } from '../errors.js';
import type { Slot } from './batch.js';
import { abandonRebuild, beginRebuild, initProjection } from './generations.js';
import { projectionTx, type LookupHash, type Projector } from './projector.js';
import type { ReadDb } from './read-db.js';
import { stateOf, tablesOf, type Registry, type Role } from './registry.js';
import { rateMeter, type RateMeter } from './timing.js';
import type { Run } from './worker.js';

/** The run of a projector as the registry describes it (after a start, a rebuild, or a stale checkpoint). */
export const loadRun = (readDb: ReadDb, registry: Registry, projector: Projector, meter: RateMeter = rateMeter(), lookupHash?: LookupHash): Run => {
  const state = stateOf(registry, projector.name);
  if (!state) throw new NotFoundError(`Projection ${projector.name} is not registered`);
  const slot = (role: Role, version: number, generation: number, checkpoint: bigint): Slot => {
    const tables = tablesOf(registry, projector.name, role);
    return { role, version, generation, checkpoint, saved: checkpoint, passed: 0, tables, tx: projectionTx(readDb.db, tables, lookupHash) };
  };
  const { next } = state;
  return {
    projector,
    handled: new Set(projector.handles),
    live: slot('live', state.version, state.generation, state.checkpoint),
    next: next && slot('next', next.version, next.generation, next.checkpoint),
    caughtUp: false,
    meter,
    msPerEvent: 0.05,
  };
};

/**
 * 1. first start: generation 1, live, from position 0; 2. a rebuild left by other code: abandoned;
 * 3. a stored version that differs from the code's: a rebuild begins (the old tables keep answering).
 * An interrupted rebuild of this version resumes from its checkpoint.
 */
export const prepareRun = (readDb: ReadDb, registry: Registry, projector: Projector, lookupHash?: LookupHash): Run => {
  const now = new Date().toISOString();
  const state = stateOf(registry, projector.name);
  if (!state) initProjection(readDb, registry, projector);
  if (state?.next && state.next.version !== projector.version) abandonRebuild(readDb, registry, projector.name, now);
  const rebuilding = state?.next?.version === projector.version;
  if (state && state.version !== projector.version && !rebuilding) beginRebuild(readDb, registry, projector, now);
  return loadRun(readDb, registry, projector, undefined, lookupHash);
};
