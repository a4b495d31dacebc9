/** `/sales/accounts`: companies, served by the generic record routes, plus `GET /:id/contacts` (see `contacts.ts`). */
import { accountAggregate } from '../../commands/sales/account.js';
import { accountKind } from '../../events/sales/account.js';
import type { RecordResource } from '../records.js';
import { accountContactsRoute } from './contacts.js';

export const accountsResource: RecordResource = {
  kind: accountKind,
  aggregate: accountAggregate,
  permission: 'sales.accounts',
  path: '/sales/accounts',
  routes: (router, deps) => void router.get('/:id/contacts', accountContactsRoute(deps)),
};
