/**
 * Generations of a projector's tables. Each build (the first one, and every rebuild) writes a new
 * set of physical tables, `<logical>__v<version>_<generation>`; the registry says which set is
 * live, which is being built, and which are retired (dropped once no reader can still hold them).
 */
import { InvalidInputError } from '../errors.js';
import { logicalTables, physicalName, type Projector } from './projector.js';
import type { ReadDb } from './read-db.js';
import type { Registry, Role } from './registry.js';

const assertTenantScoped = (readDb: ReadDb, physical: string): void => {
  const columns = readDb.db.pragma(`table_info("${physical}")`) as Array<{ name: string }>;
  if (!columns.some((c) => c.name === 'tenant_id')) {
    throw new InvalidInputError('invalid_projector', `Table ${physical} has no tenant_id column`);
  }
};

/** The statements creating a projector's deferrable indexes over one generation's tables. */
export const indexStatements = (projector: Projector, tables: Readonly<Record<string, string>>): string[] =>
  Object.entries(projector.indexes ?? {}).flatMap(([logical, ddl]) => [...ddl(tables[logical]!)]);

/**
 * Runs the DDL of one generation (knex tables, virtual tables, and the deferrable indexes unless
 * `deferIndexes`); answers logical → physical.
 */
const createTables = (readDb: ReadDb, projector: Projector, generation: number, deferIndexes: boolean): Record<string, string> => {
  const names = Object.fromEntries(
    logicalTables(projector).map((logical) => [logical, physicalName(logical, projector.version, generation)]),
  );
  for (const [logical, define] of Object.entries(projector.tables)) {
    const physical = names[logical]!;
    const statements = readDb.knex.schema.createTable(physical, (t) => define(t, physical)).toSQL();
    for (const { sql, bindings } of statements) readDb.db.prepare(sql).run(...(bindings as unknown[]));
  }
  for (const [logical, ddl] of Object.entries(projector.virtualTables ?? {})) {
    for (const sql of ddl(names[logical]!)) readDb.db.exec(sql);
  }
  if (!deferIndexes) for (const sql of indexStatements(projector, names)) readDb.db.exec(sql);
  for (const physical of Object.values(names)) assertTenantScoped(readDb, physical);
  return names;
};

const register = (registry: Registry, projector: Projector, generation: number, names: Record<string, string>, role: Role) => {
  for (const [logical, physical] of Object.entries(names)) {
    registry.insertTable.run(physical, projector.name, logical, generation, role);
  }
};

/** The first start of a projector: generation 1 created and registered live at checkpoint 0. */
export const initProjection = (readDb: ReadDb, registry: Registry, projector: Projector): void =>
  readDb.db
    .transaction(() => {
      const generation = Number(registry.maxGeneration.get(projector.name) ?? 0) + 1;
      register(registry, projector, generation, createTables(readDb, projector, generation, false), 'live');
      registry.insertState.run(projector.name, projector.version, generation);
    })
    .immediate();

/**
 * Starts a rebuild: a new generation of tables registered as `next` at checkpoint 0, while the
 * live generation keeps answering; its deferrable indexes are built once its rows are loaded. An
 * unfinished rebuild's tables are retired. Answers the generation.
 */
export const beginRebuild = (readDb: ReadDb, registry: Registry, projector: Projector, now: string): number =>
  readDb.db
    .transaction(() => {
      registry.retire.run(now, projector.name, 'next');
      const generation = Number(registry.maxGeneration.get(projector.name) ?? 0) + 1;
      register(registry, projector, generation, createTables(readDb, projector, generation, true), 'next');
      registry.beginNext.run(projector.version, generation, projector.name);
      return generation;
    })
    .immediate();

/** Drops a projector's retired tables (each in its own transaction); answers those that failed. */
export const dropRetired = (readDb: ReadDb, registry: Registry, name: string): string[] => {
  const failed: string[] = [];
  for (const physical of registry.retired.all(name) as string[]) {
    try {
      readDb.db.transaction(() => {
        readDb.db.exec(`DROP TABLE IF EXISTS "${physical}"`);
        registry.forget.run(physical);
      })();
    } catch {
      failed.push(physical); // an open statement on the table (SQLITE_LOCKED): retried at the next drop
    }
  }
  return failed;
};

/** Abandons an unfinished rebuild (its tables are retired), e.g. one begun by a newer version of the code. */
export const abandonRebuild = (readDb: ReadDb, registry: Registry, name: string, now: string): void =>
  readDb.db
    .transaction(() => {
      registry.retire.run(now, name, 'next');
      registry.clearNext.run(name);
    })
    .immediate();
