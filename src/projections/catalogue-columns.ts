/**
 * The read-model shape of a catalogue record kind (see `events/catalogue.ts`), derived from its
 * declaration: one row per record with the common columns, one real column per filterable or
 * sortable field (`amount.amount` → `amount__amount`, `lastName` → `last_name`), and an FTS5 table
 * over the searchable fields. The list-query engine is pointed at it through `catalogueListSpec`.
 *
 * Text sorts by a collation key kept beside the value (`last_name__key`, see `collationKey`): SQLite
 * compares text byte by byte (`durand` after `Smith`, `Émile` after `Zoe`), and it has no Unicode
 * collation without the ICU extension. An email column holds the address normalized as its
 * uniqueness is checked (`normalizeEmail`), and the list engine normalizes filter values alike.
 */
import { InvalidInputError } from '../errors.js';
import type { RecordKind } from '../events/catalogue.js';
import type { JsonObject, JsonValue } from '../events/log/port.js';

/** How a column is stored (the list engine's field types). */
export type ColumnType = 'string' | 'email' | 'number' | 'integer' | 'boolean' | 'datetime' | 'tags';

/** Where an API field is stored, and as what; `sortColumn`: its collation key's column, which its sort reads. */
export type CatalogueColumn = { column: string; type: ColumnType; sortColumn?: string };

/**
 * A column of a field (dotted path inside the record's fields): its value, or with `collation`
 * its collation key (a sortable text field has both).
 */
export type FieldColumn = { column: string; type: ColumnType; path: string; personal: boolean; collation?: true };

/**
 * The text a sort compares: lower-cased, compatibility-decomposed, without combining marks
 * (`Émile` → `emile`, `ﬁn` → `fin`), so case and accents only count through the id tie-breaker.
 */
export const collationKey = (text: string): string => text.toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '');

/** The columns every record row has, by API name. */
export const COMMON_COLUMNS: Readonly<Record<string, CatalogueColumn>> = {
  id: { column: 'id', type: 'string' },
  subjectId: { column: 'subject_id', type: 'string' },
  status: { column: 'status', type: 'string' },
  ownerId: { column: 'owner_id', type: 'string' },
  tags: { column: 'tags', type: 'tags' },
  createdAt: { column: 'created_at', type: 'datetime' },
  updatedAt: { column: 'updated_at', type: 'datetime' },
  revision: { column: 'revision', type: 'integer' },
};

const RESERVED = new Set(['tenant_id', 'fields', 'rowid', ...Object.values(COMMON_COLUMNS).map((c) => c.column)]);
const COLUMN = /^[a-z][a-z0-9_]{0,62}$/;

const invalid = (kind: RecordKind, message: string): never => {
  throw new InvalidInputError('invalid_record_kind', `${kind.type}: ${message}`);
};

/** `amount.amount` → `amount__amount`, `lastName` → `last_name`. */
const columnOf = (path: string): string =>
  path.split('.').map((part) => part.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)).join('__');

const isObject = (value: JsonValue | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The JSON schema of a dotted path through the kind's fields and nested `properties`. */
const schemaAt = (kind: RecordKind, path: string): JsonObject => {
  const [first, ...rest] = path.split('.');
  let schema: JsonValue | undefined = kind.fields[first!];
  for (const part of rest) schema = isObject(schema) && isObject(schema.properties) ? schema.properties[part] : undefined;
  return isObject(schema) ? schema : invalid(kind, `${path} is not a declared field`);
};

const typeOf = (kind: RecordKind, path: string): ColumnType => {
  const schema = schemaAt(kind, path);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'string' && schema.format === 'email') return 'email';
  if (type === 'string') return schema.format === 'date-time' || schema.format === 'date' ? 'datetime' : 'string';
  if (type === 'integer' || type === 'number' || type === 'boolean') return type;
  if (type === 'array' && isObject(schema.items) && schema.items.type === 'string') return 'tags';
  return invalid(kind, `${path} is not a scalar or a list of strings; it cannot have a column`);
};

const isPersonal = (kind: RecordKind, path: string): boolean => kind.personal.includes(path.split('.')[0]!);

const checked = (kind: RecordKind, columns: FieldColumn[]): FieldColumn[] => {
  const seen = new Set<string>();
  for (const { path, column } of columns) {
    if (Object.hasOwn(COMMON_COLUMNS, path)) invalid(kind, `${path} is a reserved field name`);
    if (!COLUMN.test(column) || RESERVED.has(column) || seen.has(column)) invalid(kind, `${path} cannot be stored as ${column}`);
    seen.add(column);
  }
  return columns;
};

/** The columns of a field: its value's, and its collation key's when it is sortable text. */
const columnsOf = (kind: RecordKind, path: string): FieldColumn[] => {
  const value: FieldColumn = { path, column: columnOf(path), type: typeOf(kind, path), personal: isPersonal(kind, path) };
  const collated = value.type === 'string' && kind.sortable.includes(path);
  return collated ? [value, { ...value, column: `${value.column}__key`, collation: true }] : [value];
};

/** The field columns: every filterable and sortable field's, and the collation keys of sortable text. */
export const fieldColumns = (kind: RecordKind): FieldColumn[] =>
  checked(kind, [...new Set([...kind.filterable, ...kind.sortable])].flatMap((path) => columnsOf(kind, path)));

/** The searchable fields, as FTS5 columns. */
export const searchColumns = (kind: RecordKind): Array<{ path: string; column: string; personal: boolean }> =>
  (kind.searchable ?? []).map((path) => {
    schemaAt(kind, path);
    const column = columnOf(path);
    if (!COLUMN.test(column) || column === 'tenant_id' || column === 'id') invalid(kind, `${path} cannot be searched as ${column}`);
    return { path, column, personal: isPersonal(kind, path) };
  });

/** Every API field of a kind's list with its column and type: the common ones and the kind's own. */
export const catalogueColumns = (kind: RecordKind): Record<string, CatalogueColumn> => {
  const columns = fieldColumns(kind);
  const keyOf = (path: string) => columns.find((c) => c.collation && c.path === path)?.column;
  const fields = columns.filter((c) => !c.collation).map(({ path, column, type }) => {
    const sortColumn = keyOf(path);
    return [path, { column, type, ...(sortColumn ? { sortColumn } : {}) }] as const;
  });
  return { ...COMMON_COLUMNS, ...Object.fromEntries(fields) };
};

/** The logical table names of a kind: `sales.contact` → `sales_contact`, and `sales_contact_search`. */
export const catalogueTables = (kind: RecordKind): { records: string; search: string | undefined } => {
  const records = kind.type.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/\./g, '_');
  return { records, search: (kind.searchable ?? []).length > 0 ? `${records}_search` : undefined };
};

/** Structurally the list engine's `ListSpec` (queries depend on projections, not the reverse). */
export type CatalogueListSpec = {
  table: string;
  name: string;
  tenantColumn: string;
  idColumn: string;
  fields: Record<string, CatalogueColumn>;
  filterable: string[];
  sortable: string[];
  defaultSort: string;
  search?: { ftsTable: string; rowidColumn?: string };
};

/**
 * The list spec over the physical tables a resolver names (`runner.physicalTable(kind.type,
 * catalogueTables(kind).records)`); the FTS5 table's rowid is the record row's rowid.
 */
export const catalogueListSpec = (kind: RecordKind, physical: { records: string; search?: string }): CatalogueListSpec => ({
  table: physical.records,
  name: kind.type,
  tenantColumn: 'tenant_id',
  idColumn: 'id',
  fields: catalogueColumns(kind),
  filterable: [...new Set(['id', 'subjectId', 'status', 'ownerId', 'tags', 'createdAt', 'updatedAt', ...kind.filterable])],
  sortable: [...new Set(['createdAt', 'updatedAt', ...kind.sortable])],
  defaultSort: '-createdAt',
  ...(physical.search ? { search: { ftsTable: physical.search } } : {}),
});
