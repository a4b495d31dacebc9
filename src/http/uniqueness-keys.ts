/**
 * The unique keys of a record kind (`uniqueKeys`, see `projections/uniqueness.ts`) as `uniquely`
 * (`uniqueness.ts`) checks them: the key a write would give its record that the record does not
 * hold already, and the other active record holding that key.
 *
 * A create claims the key of its fields; a patch the key of the fields it leaves (the record's, read
 * from the log, with the changes), only when that differs from the record's own key, so an
 * unrelated change of a record is never refused; a restore the archived record's key. A key is
 * claimed as its SHA-256 digest (the lock and reservation key) and looked up in the kind's record
 * table: the active records of the tenant with the same values in the key's `columns`, whose key
 * is computed again from their fields.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { catalogueDecider, type RecordCommand } from '../commands/catalogue.js';
import { fold } from '../commands/decider.js';
import { NotFoundError } from '../errors.js';
import type { RecordKind, RecordState } from '../events/catalogue.js';
import type { JsonObject } from '../events/log/port.js';
import { cellReaders } from '../projections/catalogue-apply.js';
import { catalogueTables, fieldColumns } from '../projections/catalogue-columns.js';
import { resolveTable } from '../projections/registry.js';
import { uniqueKeysOf, type UniqueKey } from '../projections/uniqueness.js';
import { recordEvents, type ReadDeps } from '../queries/records.js';
import { statementOf } from '../sqlite-memo.js';

/** A key the write would give its record: its name (`field`), digest (`hash`), value, and the fields it was computed from. */
export type KeyClaim = { field: string; hash: string; key: UniqueKey; value: string; fields: JsonObject };

const digest = (value: string): string => createHash('sha256').update(value, 'utf8').digest('base64url');

/** The record as the log holds it now (`none` when absent or when the id cannot name one). */
const recordNow = async (deps: ReadDeps, kind: RecordKind, tenantId: string, id: string): Promise<RecordState> => {
  const events = await recordEvents(deps, kind, tenantId, id).catch((error: unknown) => {
    if (error instanceof NotFoundError) return [];
    throw error;
  });
  return fold(catalogueDecider(kind), events.map((e) => ({ type: e.type, data: e.data })));
};

/** The fields after a patch (`null` clears a field), as the record's state folds them. */
const patched = (fields: JsonObject, changes: JsonObject): JsonObject => {
  const next: JsonObject = { ...fields };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete next[name];
    else next[name] = value;
  }
  return next;
};

/** The keys of `fields`, but those `held` (the record's fields now) has already. */
const claimsOf = (kind: RecordKind, fields: JsonObject, held?: JsonObject): KeyClaim[] =>
  uniqueKeysOf(kind).flatMap((key) => {
    const value = key.of(fields);
    if (value === undefined || (held !== undefined && key.of(held) === value)) return [];
    return [{ field: key.name, hash: digest(value), key, value, fields }];
  });

/**
 * The keys `command` would give the record `id` that it does not hold already. A patch of an
 * archived or absent record, refused by its decider, claims nothing; a patch reads the record's
 * fields from the log, so a caller holds the record's turn (`uniquely` does) over this and its write.
 */
export const keyClaimsFor = async (deps: ReadDeps, kind: RecordKind, tenantId: string, id: string, command: RecordCommand): Promise<KeyClaim[]> => {
  if (uniqueKeysOf(kind).length === 0) return [];
  switch (command.type) {
    case 'CreateRecord':
      return claimsOf(kind, command.fields);
    case 'UpdateRecord': {
      const state = await recordNow(deps, kind, tenantId, id);
      return state.status === 'active' ? claimsOf(kind, patched(state.fields, command.changes), state.fields) : [];
    }
    case 'RestoreRecord': {
      const state = await recordNow(deps, kind, tenantId, id);
      return state.status === 'archived' ? claimsOf(kind, state.fields) : [];
    }
    default:
      return [];
  }
};

/** The id of another active record of the tenant with the claimed key (the first by id), as the kind's record table holds them. */
export const keyHolder = (db: Database.Database, kind: RecordKind, tenantId: string, id: string, claim: KeyClaim): string | undefined => {
  const table = resolveTable(db, kind.type, catalogueTables(kind).records);
  const columns = fieldColumns(kind).filter((c) => claim.key.columns.includes(c.path));
  const cells = cellReaders(columns).map((read) => read(claim.fields));
  const same = columns.map((c) => ` AND "${c.column}" IS ?`).join('');
  const rows = statementOf(db, `SELECT id, fields FROM "${table}" WHERE tenant_id = ? AND status = 'active' AND id <> ?${same} ORDER BY +id`)
    .all(tenantId, id, ...cells) as Array<{ id: string; fields: string }>;
  return rows.find((row) => claim.key.of(JSON.parse(row.fields) as JsonObject) === claim.value)?.id;
};

/** The lock key of one record's turn (no claim's key: a claimed field's name is never empty). */
export const recordTurnKeyOf = (tenantId: string, type: string, id: string): string => `${tenantId}\0${type}\0\0${id}`;
