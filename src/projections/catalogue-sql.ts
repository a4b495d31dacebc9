/** The prepared statements of a catalogue projection, over the physical tables of one generation. */
import type Database from 'better-sqlite3';
import type { CatalogueShape } from './catalogue-apply.js';
import type { ProjectionTx } from './projector.js';

/** The statements of one generation (the `search*` ones when the kind declares searchable fields). */
export type CatalogueStatements = {
  insert: Database.Statement;
  row: Database.Statement;
  update: Database.Statement;
  status: Database.Statement;
  owner: Database.Statement;
  tags: Database.Statement;
  bySubject: Database.Statement;
  scrub: Database.Statement;
  searchInsert: Database.Statement | undefined;
  searchUpdate: Database.Statement | undefined;
  searchScrub: Database.Statement | undefined;
};

const COMMON = ['tenant_id', 'id', 'subject_id', 'status', 'owner_id', 'tags', 'fields', 'created_at', 'updated_at', 'revision'];

const quoted = (name: string): string => `"${name}"`;
const assignments = (columns: readonly string[]): string => columns.map((c) => `${quoted(c)} = ?`).join(', ');
const placeholders = (count: number): string => Array.from({ length: count }, () => '?').join(', ');

const searchStatements = (shape: CatalogueShape, tx: ProjectionTx) => {
  if (!shape.tables.search) return { searchInsert: undefined, searchUpdate: undefined, searchScrub: undefined };
  const fts = quoted(tx.table(shape.tables.search));
  const columns = shape.search.map((s) => s.column);
  const personal = shape.search.filter((s) => s.personal).map((s) => `${quoted(s.column)} = NULL`);
  return {
    searchInsert: tx.statement(
      `INSERT INTO ${fts} (rowid, tenant_id, id, ${columns.map(quoted).join(', ')}) VALUES (${placeholders(columns.length + 3)})`,
    ),
    searchUpdate: tx.statement(`UPDATE ${fts} SET ${assignments(columns)} WHERE rowid = ?`),
    searchScrub: personal.length > 0 ? tx.statement(`UPDATE ${fts} SET ${personal.join(', ')} WHERE rowid = ?`) : undefined,
  };
};

/** Field columns follow the common ones in `insert`, and `subject_id, fields, updated_at, revision` in `update`. */
export const prepareCatalogue = (shape: CatalogueShape, tx: ProjectionTx): CatalogueStatements => {
  const t = quoted(tx.table(shape.tables.records));
  const own = shape.fields.map((f) => f.column);
  const all = [...COMMON, ...own];
  const personal = shape.fields.filter((f) => f.personal).map((f) => `, ${quoted(f.column)} = NULL`).join('');
  const byKey = 'WHERE tenant_id = ? AND id = ?';
  return {
    insert: tx.statement(`INSERT INTO ${t} (${all.map(quoted).join(', ')}) VALUES (${placeholders(all.length)})`),
    row: tx.statement(`SELECT rowid AS rowid, subject_id, tags, fields FROM ${t} ${byKey}`),
    update: tx.statement(
      `UPDATE ${t} SET ${assignments(['subject_id', 'fields', 'updated_at', 'revision', ...own])} WHERE rowid = ?`,
    ),
    status: tx.statement(`UPDATE ${t} SET status = ?, updated_at = ?, revision = ? ${byKey}`),
    owner: tx.statement(`UPDATE ${t} SET owner_id = ?, updated_at = ?, revision = ? ${byKey}`),
    tags: tx.statement(`UPDATE ${t} SET tags = ?, updated_at = ?, revision = ? WHERE rowid = ?`),
    bySubject: tx.statement(`SELECT rowid AS rowid, fields FROM ${t} WHERE tenant_id = ? AND subject_id = ?`),
    scrub: tx.statement(`UPDATE ${t} SET fields = ?${personal} WHERE rowid = ?`),
    ...searchStatements(shape, tx),
  };
};
