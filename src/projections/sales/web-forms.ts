/**
 * The ids of each tenant's web forms (`sales_web_forms`), so an admin can list them by id; each
 * form is then read from its own stream. A form is never deleted, so a row is only ever added.
 * Ids only, no personal data.
 */
import { parseStreamName } from '../../events/log/stream-name.js';
import { WEB_FORM_CREATED } from '../../events/sales/web-form.js';
import type { Projector } from '../projector.js';

export const WEB_FORMS_PROJECTION = 'sales.webForms';
export const WEB_FORMS_TABLE = 'sales_web_forms';

export const webFormsProjector: Projector = {
  name: WEB_FORMS_PROJECTION,
  version: 1,
  handles: [WEB_FORM_CREATED],
  tables: {
    [WEB_FORMS_TABLE]: (t) => {
      for (const column of ['tenant_id', 'id']) t.text(column).notNullable();
      t.primary(['tenant_id', 'id']);
    },
  },
  apply: (tx, event) => {
    const insert = tx.memo('insert', () => tx.statement(`INSERT OR IGNORE INTO "${tx.table(WEB_FORMS_TABLE)}" (tenant_id, id) VALUES (?, ?)`));
    const { tenantId, id } = parseStreamName(event.stream);
    insert.run(tenantId, id);
  },
};
