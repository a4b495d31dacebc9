/**
 * A tenant's web forms as an admin reads them, each folded from its stream
 * `<tenant>/sales.webForm/<id>`; the list takes the ids from the `sales.webForms` read model.
 */
import type Database from 'better-sqlite3';
import { webFormStateOf } from '../../commands/sales/web-form.js';
import type { CommandDeps } from '../../commands/handle.js';
import { NotFoundError } from '../../errors.js';
import { WEB_FORM_TYPE } from '../../events/sales/web-form.js';
import { resolveTable } from '../../projections/registry.js';
import { WEB_FORMS_PROJECTION, WEB_FORMS_TABLE } from '../../projections/sales/web-forms.js';
import type { CursorKey } from '../cursor.js';
import { pageById, type IdPage, type IdPageQuery } from '../identity/pages.js';

export type WebFormView = { formKey: string; name: string; status: 'enabled' | 'disabled'; ownerId: string };

/** The form `formId` of `tenantId`; 404 when there is none. */
export const getWebForm = async (deps: Pick<CommandDeps, 'store'>, tenantId: string, formId: string): Promise<WebFormView> => {
  const state = await webFormStateOf(deps, tenantId, formId);
  if (state.status === 'none') throw new NotFoundError('No such form');
  return { formKey: `${tenantId}.${formId}`, name: state.name, status: state.status, ownerId: state.ownerId };
};

const formIdsOf = (db: Database.Database, tenantId: string, afterId: string, limit: number): string[] => {
  const table = resolveTable(db, WEB_FORMS_PROJECTION, WEB_FORMS_TABLE);
  return db.prepare(`SELECT id FROM "${table}" WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?`).pluck().all(tenantId, afterId, limit) as string[];
};

/** A page of the tenant's web forms by id. @throws InvalidInputError `invalid_limit`, `invalid_cursor` (400). */
export const listWebForms = (
  deps: Pick<CommandDeps, 'store'> & { db: Database.Database; cursorKey: CursorKey }, tenantId: string, query: IdPageQuery,
): Promise<IdPage<WebFormView>> =>
  pageById(deps.cursorKey, query, WEB_FORM_TYPE, tenantId, (after, limit) => formIdsOf(deps.db, tenantId, after, limit), (id) => getWebForm(deps, tenantId, id));
