/**
 * The ids of each tenant's web forms (`sales_web_forms`) with their owners, so an admin can list
 * them by id (an `own`-scoped one only theirs); each form is then read from its own stream. A form
 * is never deleted nor handed over, so a row is only ever added. Ids only, no personal data.
 */
import { parseStreamName } from '../../events/log/stream-name.js';
import { WEB_FORM_CREATED } from '../../events/sales/web-form.js';
import type { Projector } from '../projector.js';

export const WEB_FORMS_PROJECTION = 'sales.webForms';
export const WEB_FORMS_TABLE = 'sales_web_forms';

export const webFormsProjector: Projector = {
  name: WEB_FORMS_PROJECTION,
  version: 2,
  handles: [WEB_FORM_CREATED],
  tables: {
    [WEB_FORMS_TABLE]: (t, physical) => {
      for (const column of ['tenant_id', 'id', 'owner_id']) t.text(column).notNullable();
      t.primary(['tenant_id', 'id']);
      t.index(['tenant_id', 'owner_id', 'id'], `${physical}__owner`);
    },
  },
  apply: (tx, event) => {
    const insert = tx.memo('insert', () => tx.statement(`INSERT OR IGNORE INTO "${tx.table(WEB_FORMS_TABLE)}" (tenant_id, id, owner_id) VALUES (?, ?, ?)`));
    const { tenantId, id } = parseStreamName(event.stream);
    insert.run(tenantId, id, (event.data as { ownerId: string }).ownerId);
  },
};
