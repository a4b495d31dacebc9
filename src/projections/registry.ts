/**
 * The projection registry, inside read.db: per projector its version, generation and checkpoint
 * (and those of a rebuild in progress), and per physical table its role. Readers resolve a logical
 * table to its live physical table here; the swap that ends a rebuild updates these rows in the
 * same transaction as the rebuild's last batch, so a reader sees the old tables or the new ones.
 */
import type Database from 'better-sqlite3';
import { ConflictError, NotFoundError, UnavailableError } from '../errors.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS projection_state (
  name            TEXT PRIMARY KEY,
  version         INTEGER NOT NULL,
  generation      INTEGER NOT NULL,
  checkpoint      INTEGER NOT NULL,
  next_version    INTEGER,
  next_generation INTEGER,
  next_checkpoint INTEGER
);
CREATE TABLE IF NOT EXISTS projection_tables (
  physical   TEXT PRIMARY KEY,
  projection TEXT NOT NULL,
  logical    TEXT NOT NULL,
  generation INTEGER NOT NULL,
  role       TEXT NOT NULL CHECK (role IN ('live', 'next', 'retired')),
  retired_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS projection_tables_live ON projection_tables (projection, logical) WHERE role = 'live';`;

/** A generation answers readers (`live`) or is being rebuilt (`next`). */
export type Role = 'live' | 'next';

/** One projector's registry row; `next` while a rebuild is in progress. */
export type ProjectionState = {
  name: string;
  version: number;
  generation: number;
  checkpoint: bigint;
  next: { version: number; generation: number; checkpoint: bigint } | undefined;
};

type StateRow = {
  name: string;
  version: bigint;
  generation: bigint;
  checkpoint: bigint;
  next_version: bigint | null;
  next_generation: bigint | null;
  next_checkpoint: bigint | null;
};

const toState = (row: StateRow): ProjectionState => ({
  name: row.name,
  version: Number(row.version),
  generation: Number(row.generation),
  checkpoint: row.checkpoint,
  next:
    row.next_generation === null
      ? undefined
      : { version: Number(row.next_version), generation: Number(row.next_generation), checkpoint: row.next_checkpoint ?? 0n },
});

const prepareState = (db: Database.Database) => ({
  state: db.prepare('SELECT * FROM projection_state WHERE name = ?').safeIntegers(true),
  insertState: db.prepare('INSERT INTO projection_state (name, version, generation, checkpoint) VALUES (?, ?, ?, 0)'),
  beginNext: db.prepare(
    'UPDATE projection_state SET next_version = ?, next_generation = ?, next_checkpoint = 0 WHERE name = ?',
  ),
  clearNext: db.prepare(
    'UPDATE projection_state SET next_version = NULL, next_generation = NULL, next_checkpoint = NULL WHERE name = ?',
  ),
  saveLive: db.prepare('UPDATE projection_state SET checkpoint = ? WHERE name = ? AND generation = ? AND checkpoint = ?'),
  saveNext: db.prepare(
    'UPDATE projection_state SET next_checkpoint = ? WHERE name = ? AND next_generation = ? AND next_checkpoint = ?',
  ),
  swap: db.prepare(
    `UPDATE projection_state SET version = next_version, generation = next_generation, checkpoint = ?,
       next_version = NULL, next_generation = NULL, next_checkpoint = NULL
     WHERE name = ? AND next_generation = ? AND next_checkpoint = ?`,
  ),
});

const prepareTables = (db: Database.Database) => ({
  maxGeneration: db.prepare('SELECT max(generation) FROM projection_tables WHERE projection = ?').pluck(),
  tables: db.prepare('SELECT logical, physical FROM projection_tables WHERE projection = ? AND role = ?'),
  insertTable: db.prepare(
    'INSERT INTO projection_tables (physical, projection, logical, generation, role) VALUES (?, ?, ?, ?, ?)',
  ),
  retire: db.prepare(
    "UPDATE projection_tables SET role = 'retired', retired_at = ? WHERE projection = ? AND role = ?",
  ),
  promote: db.prepare("UPDATE projection_tables SET role = 'live' WHERE projection = ? AND role = 'next'"),
  retired: db.prepare("SELECT physical FROM projection_tables WHERE projection = ? AND role = 'retired'").pluck(),
  forget: db.prepare('DELETE FROM projection_tables WHERE physical = ?'),
});

const prepare = (db: Database.Database) => ({ ...prepareState(db), ...prepareTables(db) });

/** The registry's prepared statements over one connection. */
export type Registry = ReturnType<typeof prepare>;

/** Creates the registry tables if needed and prepares its statements. */
export const openRegistry = (db: Database.Database): Registry => {
  db.exec(SCHEMA);
  return prepare(db);
};

/** The registry row of a projector, or undefined before its first start. */
export const stateOf = (registry: Registry, name: string): ProjectionState | undefined => {
  const row = registry.state.get(name) as StateRow | undefined;
  return row && toState(row);
};

/** Logical → physical names of a projector's tables in one role. */
export const tablesOf = (registry: Registry, name: string, role: Role): Record<string, string> =>
  Object.fromEntries(
    (registry.tables.all(name, role) as Array<{ logical: string; physical: string }>).map((r) => [r.logical, r.physical]),
  );

const resolvers = new WeakMap<Database.Database, Database.Statement>();

type Resolved = { physical: string; version: number | bigint; next_version: number | bigint | null };

/**
 * The live physical table behind a projection's logical table, read from the registry of `db`
 * (any connection to read.db). Resolve and query inside one read transaction when the swap may
 * happen between the two (another process runs the projections). While the projection rebuilds
 * for another version of its code, its live tables are the old version's, whose columns the
 * queries of this code may not find: 503 `read_model_rebuilding` until the swap (a rebuild of the
 * same version keeps answering).
 */
export const resolveTable = (db: Database.Database, projection: string, logical: string): string => {
  let statement = resolvers.get(db);
  if (!statement) {
    statement = db.prepare(
      `SELECT t.physical, s.version, s.next_version FROM projection_tables t LEFT JOIN projection_state s ON s.name = t.projection
       WHERE t.projection = ? AND t.logical = ? AND t.role = 'live'`,
    );
    resolvers.set(db, statement);
  }
  const row = statement.get(projection, logical) as Resolved | undefined;
  if (row === undefined) throw new NotFoundError(`No table ${logical} in projection ${projection}`);
  if (row.next_version !== null && row.next_version !== undefined && Number(row.next_version) !== Number(row.version)) {
    throw new UnavailableError('read_model_rebuilding', `${projection} is being rebuilt for a new version; retry shortly`, { retryAfter: 1, projection });
  }
  return row.physical;
};

/** A checkpoint that someone else moved (another runner on the same read.db): the batch rolls back. */
export const staleCheckpoint = (name: string): ConflictError =>
  new ConflictError('stale_checkpoint', `The checkpoint of ${name} moved under this runner`, { projection: name });

/** A checkpoint moving from `from` to `to` in one generation of a projector. */
export type CheckpointMove = { name: string; generation: number; from: bigint; to: bigint };

/** Moves a slot's checkpoint if it is still where this runner left it; throws `stale_checkpoint` otherwise. */
export const saveCheckpoint = (registry: Registry, role: Role, move: CheckpointMove): void => {
  const { name, generation, from, to } = move;
  const result =
    role === 'live'
      ? registry.saveLive.run(to, name, generation, from)
      : registry.saveNext.run(to, name, generation, from);
  if (result.changes !== 1) throw staleCheckpoint(name);
};

/** Makes the rebuilt generation live at `move.to` and retires the old tables, in the caller's transaction. */
export const swapGenerations = (registry: Registry, move: CheckpointMove, now: string): void => {
  const { name, generation, from, to } = move;
  if (registry.swap.run(to, name, generation, from).changes !== 1) throw staleCheckpoint(name);
  registry.retire.run(now, name, 'live');
  registry.promote.run(name);
};
