/**
 * What a projector is (design §5): plain data and functions. It names the event types it handles,
 * declares its tables by logical name, and applies one event at a time, synchronously, inside the
 * runner's batch transaction. The runner decides the physical table names (so a rebuild writes
 * new tables while the old ones keep answering) and hands the projector a `ProjectionTx`.
 */
import type Database from 'better-sqlite3';
import type { Knex } from 'knex';
import { InvalidInputError } from '../errors.js';
import type { ReadableEvent } from '../events/personal-data/read.js';

/**
 * A recorded event as a projector sees it: `data` upcast to the current schema version, personal
 * fields in plaintext, erased ones `null` and their paths listed in `erased`.
 */
export type ProjectedEvent = ReadableEvent;

/** A projector's synchronous access to its own tables, in the generation being written. */
export type ProjectionTx = {
  /** The physical name of one of the projector's logical tables. */
  table(logical: string): string;
  /** A prepared statement, cached by SQL text for the life of the generation. */
  statement(sql: string): Database.Statement;
  /** A value made once per generation (typically the projector's prepared statements). */
  memo<T>(key: string, make: () => T): T;
  /** The tenant's lookup hash of a personal value (`keyed-hash.ts`): only for rows scrubbed on erasure. */
  lookupHash: LookupHash;
};

/** `tenantLookupHash` bound to the runner's key store. */
export type LookupHash = (tenantId: string, purpose: string, value: string) => string;

const noLookupHash: LookupHash = () => invalid('This runner has no key store for lookup hashes');

/** Declares one table with knex; `physical` is its name, for naming its indexes uniquely. */
export type TableDefinition = (t: Knex.CreateTableBuilder, physical: string) => void;

/** A projector: what it reads, the tables it owns (by logical name), and how it applies one event. */
export type Projector = {
  /** Stable name: registry key, status, the rebuild route's `:name`. */
  name: string;
  /** Bump to rebuild: a stored version that differs triggers a zero-downtime rebuild at start. */
  version: number;
  /** The event types applied (include `PersonalDataErased` when the tables hold personal data). */
  handles: readonly string[];
  /** Tables by logical name; every one has a `tenant_id` column. */
  tables: Readonly<Record<string, TableDefinition>>;
  /** Tables knex cannot declare (FTS5): the SQL creating them under a physical name. */
  virtualTables?: Readonly<Record<string, (physical: string) => readonly string[]>>;
  /**
   * Secondary indexes `apply` does not need (`CREATE INDEX IF NOT EXISTS …`, given the physical
   * name). A rebuild loads its rows first and builds these just before the swap: sorting once is
   * several times faster than inserting into random index positions row by row.
   */
  indexes?: Readonly<Record<string, (physical: string) => readonly string[]>>;
  /** Applies one event; throwing rolls the whole batch back and stops this projector alone. */
  apply: (tx: ProjectionTx, event: ProjectedEvent) => void;
};

const LOGICAL = /^[a-z][a-z0-9_]{0,62}$/;

/** The physical name of a logical table in one generation: `<logical>__v<version>_<generation>`. */
export const physicalName = (logical: string, version: number, generation: number): string =>
  `${logical}__v${version}_${generation}`;

/** Every logical table name of a projector, knex-declared and virtual. */
export const logicalTables = (projector: Projector): string[] => [
  ...Object.keys(projector.tables),
  ...Object.keys(projector.virtualTables ?? {}),
];

/** Refuses projectors whose names could not be told apart in the registry or in table names. */
export const assertProjectors = (projectors: readonly Projector[]): void => {
  const names = new Set<string>();
  const tables = new Set<string>();
  for (const p of projectors) {
    if (!Number.isSafeInteger(p.version) || p.version < 1) invalid(`${p.name}: version must be a positive integer`);
    if (names.has(p.name)) invalid(`Two projectors are named ${p.name}`);
    names.add(p.name);
    for (const logical of logicalTables(p)) {
      if (!LOGICAL.test(logical) || logical.includes('__')) invalid(`${p.name}: invalid table name ${logical}`);
      if (tables.has(logical)) invalid(`Two projectors declare the table ${logical}`);
      tables.add(logical);
    }
  }
};

const invalid = (message: string): never => {
  throw new InvalidInputError('invalid_projector', message);
};

/** A `ProjectionTx` over one generation's tables, with its statement and memo caches. */
export const projectionTx = (db: Database.Database, tables: Readonly<Record<string, string>>, lookupHash = noLookupHash): ProjectionTx => {
  const statements = new Map<string, Database.Statement>();
  const memos = new Map<string, unknown>();
  const tx: ProjectionTx = {
    table: (logical) => tables[logical] ?? invalid(`No table ${logical} in this projector`),
    statement: (sql) => {
      let statement = statements.get(sql);
      if (!statement) statements.set(sql, (statement = db.prepare(sql)));
      return statement;
    },
    memo: <T>(key: string, make: () => T): T => {
      if (!memos.has(key)) memos.set(key, make());
      return memos.get(key) as T;
    },
    lookupHash,
  };
  return tx;
};
