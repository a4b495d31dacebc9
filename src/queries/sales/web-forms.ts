/**
 * A tenant's web forms as an admin reads them, each folded from its stream
 * `<tenant>/sales.webForm/<id>`; the list takes the ids from the `sales.webForms` read model. A
 * reader limited to their own records (`Reader.ownerOnly`, from the policy's row scope) lists only
 * the forms they own, and another's is a 404 to them, as if absent (as a record's).
 */
import type Database from 'better-sqlite3';
import { webFormStateOf } from '../../commands/sales/web-form.js';
import type { CommandDeps } from '../../commands/handle.js';
import { NotFoundError } from '../../errors.js';
import { WEB_FORM_TYPE } from '../../events/sales/web-form.js';
import { resolveTable } from '../../projections/registry.js';
import { WEB_FORMS_PROJECTION, WEB_FORMS_TABLE } from '../../projections/sales/web-forms.js';
import type { CursorKey } from '../cursor.js';
import type { Reader } from '../record-list.js';
import { pageById, type IdPage, type IdPageQuery } from '../identity/pages.js';

export type WebFormView = { formKey: string; name: string; status: 'enabled' | 'disabled'; ownerId: string };

export type FormReader = Pick<Reader, 'tenantId' | 'ownerOnly'>;

/** The form `formId` of the reader's tenant; 404 when there is none, or it is another's and the reader sees only their own. */
export const getWebForm = async (deps: Pick<CommandDeps, 'store'>, reader: FormReader, formId: string): Promise<WebFormView> => {
  const { tenantId, ownerOnly } = reader;
  const state = await webFormStateOf(deps, tenantId, formId);
  if (state.status === 'none' || (ownerOnly !== undefined && state.ownerId !== ownerOnly)) throw new NotFoundError('No such form');
  return { formKey: `${tenantId}.${formId}`, name: state.name, status: state.status, ownerId: state.ownerId };
};

const formIdsOf = (db: Database.Database, reader: FormReader, afterId: string, limit: number): string[] => {
  const table = resolveTable(db, WEB_FORMS_PROJECTION, WEB_FORMS_TABLE);
  const { tenantId, ownerOnly } = reader;
  if (ownerOnly === undefined) {
    return db.prepare(`SELECT id FROM "${table}" WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?`).pluck().all(tenantId, afterId, limit) as string[];
  }
  const sql = `SELECT id FROM "${table}" WHERE tenant_id = ? AND owner_id = ? AND id > ? ORDER BY id LIMIT ?`;
  return db.prepare(sql).pluck().all(tenantId, ownerOnly, afterId, limit) as string[];
};

/** A page of the web forms the reader may see, by id. @throws InvalidInputError `invalid_limit`, `invalid_cursor` (400). */
export const listWebForms = (
  deps: Pick<CommandDeps, 'store'> & { db: Database.Database; cursorKey: CursorKey }, reader: FormReader, query: IdPageQuery,
): Promise<IdPage<WebFormView>> =>
  pageById(deps.cursorKey, query, WEB_FORM_TYPE, reader.tenantId, (after, limit) => formIdsOf(deps.db, reader, after, limit), (id) => getWebForm(deps, reader, id));
