/**
 * The routes of a catalogue record, derived from its `RecordKind` (design §2: described once,
 * served by generic code): create, read (also `?asOf=`), patch with `If-Match`, archive, restore,
 * owner, tags, history. Routes are thin: validate, build the command, call, set the status.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { authorize } from '../access/policy.js';
import { createCommand, recordValidators, type RecordCommand } from '../commands/catalogue.js';
import type { DomainEvent } from '../commands/decider.js';
import { recordIdFor } from '../commands/event-ids.js';
import { handleCommand, type Aggregate, type CommandDeps } from '../commands/handle.js';
import type { RecordKind, RecordState } from '../events/catalogue.js';
import { getRecord, parseAsOf, recordHistory } from '../queries/records.js';
import { principalOf } from './authenticate.js';
import { answerWrite, commandContext, ifMatchOf, type Clock } from './command-context.js';
import { validator } from '../commands/validate.js';

export type RecordResource = {
  kind: RecordKind;
  aggregate: Aggregate<RecordCommand, DomainEvent, RecordState>;
  /** `module.resource` (e.g. `sales.contacts`): permissions `<it>:create|read|update|archive`. */
  permission: string;
  /** Where it is mounted, e.g. `/sales/contacts` (for `Location`). */
  path: string;
};

export type RouteDeps = CommandDeps & { clock: Clock };

const bodyOf = (ctx: Context): unknown => (ctx.request as { body?: unknown }).body;

const archiveBody = validator<{ reason?: string }>({ type: 'object', additionalProperties: false, properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } } });
const ownerBody = validator<{ ownerId: string }>({ type: 'object', additionalProperties: false, required: ['ownerId'], properties: { ownerId: { type: 'string', minLength: 1, maxLength: 128 } } });

/** Sends one command to the record `ctx.params.id`, guarded by the policy, and answers 200. */
const send = (deps: RouteDeps, r: RecordResource, action: string, ctx: Context, command: RecordCommand) =>
  handleCommand(deps, r.aggregate, {
    id: ctx.params.id!,
    command,
    context: commandContext(ctx, deps.clock),
    ifMatch: ifMatchOf(ctx),
    guard: (state) => authorize(principalOf(ctx.state), `${r.permission}:${action}`, state.status === 'none' ? undefined : state),
  }).then((result) => answerWrite(ctx, 200, result));

const create = (deps: RouteDeps, r: RecordResource, validate: ReturnType<typeof recordValidators>) => async (ctx: Context) => {
  const principal = principalOf(ctx.state);
  authorize(principal, `${r.permission}:create`);
  const body = validate.create(bodyOf(ctx));
  const context = commandContext(ctx, deps.clock);
  const subjectId = r.kind.subject === 'self' ? await deps.keyStore.newSubjectId(principal.tenantId) : undefined;
  const id = recordIdFor(context.commandId);
  const result = await handleCommand(deps, r.aggregate, { id, command: createCommand(body, principal.actorId, subjectId), context });
  ctx.set('Location', `${r.path}/${id}`);
  answerWrite(ctx, 201, result);
};

const read = (deps: RouteDeps, r: RecordResource) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), `${r.permission}:read`);
  const asOf = parseAsOf(typeof ctx.query.asOf === 'string' ? ctx.query.asOf : undefined);
  const record = await getRecord(deps, r.kind, principalOf(ctx.state).tenantId, ctx.params.id!, asOf);
  ctx.set('ETag', `"${record.revision}"`);
  ctx.body = record;
};

const history = (deps: RouteDeps, r: RecordResource) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), `${r.permission}:read`);
  ctx.body = { data: await recordHistory(deps, r.kind, principalOf(ctx.state).tenantId, ctx.params.id!) };
};

/** The router of one record resource (mount it under `resource.path`). */
export const recordRoutes = (deps: RouteDeps, r: RecordResource): Router => {
  const validate = recordValidators(r.kind);
  const router = new Router();
  router.post('/', create(deps, r, validate));
  router.get('/:id', read(deps, r));
  router.get('/:id/history', history(deps, r));
  router.patch('/:id', (ctx) => send(deps, r, 'update', ctx, { type: 'UpdateRecord', changes: validate.patch(bodyOf(ctx)) }));
  router.post('/:id/archive', (ctx) => send(deps, r, 'archive', ctx, { type: 'ArchiveRecord', reason: archiveBody(bodyOf(ctx) ?? {}).reason ?? null }));
  router.post('/:id/restore', (ctx) => send(deps, r, 'archive', ctx, { type: 'RestoreRecord' }));
  router.put('/:id/owner', (ctx) => send(deps, r, 'update', ctx, { type: 'AssignOwner', ownerId: ownerBody(bodyOf(ctx)).ownerId }));
  router.post('/:id/tags', (ctx) => {
    const { add = [], remove = [] } = validate.tags(bodyOf(ctx));
    return send(deps, r, 'update', ctx, { type: 'TagRecord', add, remove });
  });
  return router;
};
