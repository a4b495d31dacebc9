/**
 * The overdue view of activities, from their read model: one owner's open, unarchived activities
 * whose due time (a task's `dueAt`, a meeting's or call's `startsAt`) is before `now`, earliest
 * first, paged like every list. `now` is the request's time; it is a condition of the server's own
 * rather than part of the filter, so the next page's cursor stays valid a moment later.
 */
import { activityKind } from '../../events/sales/activity.js';
import { qualified } from '../cursor.js';
import { listRecords, type ListQuery, type ListSource, type RowCondition } from '../record-list.js';

// The view's own conditions, in SQL beside the caller's filter (wrapping that filter in the view's
// would report a syntax error's position in the wrapper, not in what the caller wrote).
const openAndDueBefore = (now: Date): RowCondition => ({
  view: 'overdue',
  where: (spec) => {
    const column = (field: string) => qualified(spec.table, spec.fields[field]!.column);
    return {
      sql: `${column('status')} = 'active' AND ${column('activityStatus')} = 'open' AND ${column('dueTime')} < ?`,
      bindings: [now.toISOString()],
    };
  },
});

/** `query.filter` narrows the view further (e.g. `kind[eq]:"call"`). */
export const overdueActivities = (
  source: ListSource, view: { tenantId: string; ownerId: string; now: Date }, query: Pick<ListQuery, 'filter' | 'limit' | 'cursor'>,
) => {
  const reader = { tenantId: view.tenantId, ownerOnly: view.ownerId };
  return listRecords(source, activityKind, reader, { ...query, sort: 'dueTime' }, openAndDueBefore(view.now));
};
