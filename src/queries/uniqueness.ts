/** Lookups in a kind's uniqueness index (`projections/uniqueness.ts`), by the tenant's lookup hash. */
import type Database from 'better-sqlite3';
import type { RecordKind } from '../events/catalogue.js';
import { resolveTable } from '../projections/registry.js';
import { uniquenessTables } from '../projections/uniqueness.js';
import { statementOf } from '../sqlite-memo.js';

/** A unique field's value as its lookup hash. */
export type Claim = { field: string; hash: string };

const tableOf = (db: Database.Database, kind: RecordKind): string => {
  const { projection, table } = uniquenessTables(kind);
  return `"${resolveTable(db, projection, table)}"`;
};

/** The id of another active record of the tenant holding this value, if any. */
// `+id`: with a plain `ORDER BY id` SQLite walks the primary key (tenant_id, id…) over every row of
// the tenant instead of seeking the hash index: O(tenant's records) per check, minutes for an import.
export const activeHolder = (db: Database.Database, kind: RecordKind, tenantId: string, id: string, claim: Claim): string | undefined =>
  statementOf(db, `SELECT id FROM ${tableOf(db, kind)} WHERE tenant_id = ? AND field = ? AND hash = ? AND active = 1 AND id <> ? ORDER BY +id LIMIT 1`)
    .pluck()
    .get(tenantId, claim.field, claim.hash, id) as string | undefined;

/** The values a record holds (whether active or not), as claims. */
export const claimsOf = (db: Database.Database, kind: RecordKind, tenantId: string, id: string): Claim[] =>
  statementOf(db, `SELECT field, hash FROM ${tableOf(db, kind)} WHERE tenant_id = ? AND id = ? ORDER BY field`).all(tenantId, id) as Claim[];
