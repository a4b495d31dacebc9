/**
 * `/sales/activities`: the generic record routes over the activity's own decider, a create's link
 * and the users, contacts and leads a create or patch names as attendees checked against the log first,
 * plus its rules: `POST /:id/complete { outcome? }`,
 * `/:id/reschedule { dueAt | startsAt, endsAt?, remindAt? }`, `/:id/cancel { reason }`, and the
 * overdue view `GET /overdue?ownerId=` (default: the caller) at the request's time. A create or
 * reschedule with a `remindAt` enqueues its reminder timer.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { authorize } from '../../access/policy.js';
import { handleCommand, type CommandContext } from '../../commands/handle.js';
import { activityAggregate, type ActivityState, type LinkCheckedCommand } from '../../commands/sales/activity.js';
import { activityStateOf, withCheckedLink } from '../../commands/sales/activity-link.js';
import { validator } from '../../commands/validate.js';
import { RULE_REASON } from '../../events/catalogue.js';
import { activityKind, type Schedule } from '../../events/sales/activity.js';
import { scheduleReminderOf } from '../../jobs/sales/activities.js';
import { overdueActivities } from '../../queries/sales/activities.js';
import { principalOf } from '../authenticate.js';
import { answerWrite } from '../command-context.js';
import { awaitConsistency, queryOf } from '../read-model.js';
import { recordRequest, sendCommand, type RecordResource, type RouteDeps } from '../records.js';

const { dueAt, startsAt, endsAt, remindAt } = activityKind.fields;
export const completeBody = validator<{ outcome?: string }>({
  type: 'object', additionalProperties: false, properties: { outcome: { type: 'string', minLength: 1, maxLength: 2000 } },
});
export const rescheduleBody = validator<Partial<Schedule>>({
  type: 'object', additionalProperties: false, minProperties: 1, properties: { dueAt, startsAt, endsAt, remindAt },
});
export const cancelBody = validator<{ reason?: string }>({ type: 'object', additionalProperties: false, properties: { reason: RULE_REASON } });
export const overdueQuery = validator<{ ownerId?: string; filter?: string; limit?: string; cursor?: string }>({
  type: 'object', additionalProperties: false,
  properties: { ownerId: { type: 'string', minLength: 1, maxLength: 128 }, filter: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' } },
});

const bodyOf = (ctx: Context): unknown => (ctx.request as { body?: unknown }).body ?? {};

const UPDATE = 'sales.activities:update';

/** Enqueues the activity's reminder, if it is open with a reminder time. */
const remindLater = async (deps: RouteDeps, id: string, context: Pick<CommandContext, 'tenantId' | 'now'>): Promise<void> =>
  scheduleReminderOf(deps.jobs, context.tenantId, id, await activityStateOf(deps, context.tenantId, id), context.now);

const reschedule = (deps: RouteDeps) => async (ctx: Context) => {
  const schedule = rescheduleBody(bodyOf(ctx));
  const request = recordRequest<ActivityState>(deps, ctx, UPDATE);
  answerWrite(ctx, 200, await handleCommand(deps, activityAggregate, { ...request, command: { type: 'RescheduleActivity', schedule } }));
  await remindLater(deps, request.id, request.context);
};

const overdue = (deps: RouteDeps) => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  const { ownerId = principal.actorId, ...query } = overdueQuery(queryOf(ctx, ['ownerId', 'filter', 'limit', 'cursor']));
  authorize(principal, 'sales.activities:read', { ownerId });
  await awaitConsistency(ctx, deps.readModel, activityKind.type);
  ctx.body = overdueActivities({ db: deps.readModel.db, cursorKey: deps.cursorKey }, { tenantId: principal.tenantId, ownerId, now: deps.clock() }, query);
};

const activityRules = (router: Router, deps: RouteDeps): void => {
  router.get('/overdue', overdue(deps));
  router.post('/:id/complete', (ctx) => {
    const { outcome } = completeBody(bodyOf(ctx));
    const command = { type: 'CompleteActivity' as const, at: deps.clock().toISOString(), ...(outcome === undefined ? {} : { outcome }) };
    return sendCommand(deps, activityAggregate, UPDATE, ctx, command);
  });
  router.post('/:id/reschedule', reschedule(deps));
  router.post('/:id/cancel', (ctx) => sendCommand(deps, activityAggregate, UPDATE, ctx, { type: 'CancelActivity', reason: cancelBody(bodyOf(ctx)).reason }));
};

export const activitiesResource: RecordResource<ActivityState, LinkCheckedCommand> = {
  kind: activityKind,
  aggregate: activityAggregate,
  permission: 'sales.activities',
  path: '/sales/activities',
  prepare: (command, deps, tenantId) => withCheckedLink(deps, tenantId, command),
  routes: activityRules,
  created: async (deps, id, context, result) => {
    await remindLater(deps, id, context);
    return result;
  },
  // A timer that came due while the activity was archived did nothing: the restored activity is reminded then.
  restored: (deps, id, tenantId) => remindLater(deps, id, { tenantId, now: deps.clock() }),
};
