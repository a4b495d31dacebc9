/**
 * The overdue view of activities, from their read model: one owner's open, unarchived activities
 * whose due time (a task's `dueAt`, a meeting's or call's `startsAt`) is before `now`, earliest
 * first, paged like every list. `now` is the request's time; it is a condition of the server's own
 * rather than part of the filter, so the next page's cursor stays valid a moment later.
 */
import type Database from 'better-sqlite3';
import { activityKind } from '../../events/sales/activity.js';
import { qualified } from '../cursor.js';
import { listRecords, type ListQuery, type RowCondition } from '../record-list.js';

const OPEN = 'status[eq]:"active",activityStatus[eq]:"open"';

const dueBefore = (now: Date): RowCondition => (spec) => ({
  sql: `${qualified(spec.table, spec.fields.dueTime!.column)} < ?`,
  bindings: [now.toISOString()],
});

/** `query.filter` narrows the view further (e.g. `kind[eq]:"call"`). */
export const overdueActivities = (
  db: Database.Database, view: { tenantId: string; ownerId: string; now: Date }, query: Pick<ListQuery, 'filter' | 'limit' | 'cursor'>,
) => {
  const filter = query.filter?.trim() ? `and(${OPEN},${query.filter})` : `and(${OPEN})`;
  const reader = { tenantId: view.tenantId, ownerOnly: view.ownerId };
  return listRecords(db, activityKind, reader, { ...query, filter, sort: 'dueTime' }, dueBefore(view.now));
};
