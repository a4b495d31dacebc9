/**
 * The routes of a catalogue record, derived from its `RecordKind` (design §2: described once,
 * served by generic code): create, list and export (read model), read (also `?asOf=`), patch
 * with `If-Match`, archive, restore, owner, tags, history. Routes are thin: validate, build the
 * command or query, call, set the status. This file holds the resource types and the write
 * routes; the read routes are in `record-reads.ts`.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { authorize } from '../access/policy.js';
import { createCommand, recordValidators, type CreateBody, type RecordCommand } from '../commands/catalogue.js';
import type { DomainEvent } from '../commands/decider.js';
import { recordIdFor } from '../commands/event-ids.js';
import { withCheckedLinks, type LinkFields } from '../commands/record-links.js';
import { withCheckedOwner } from '../commands/record-owner.js';
import { handleCommand, wouldAppend, type Aggregate, type CommandContext, type CommandDeps, type CommandResult, type Request } from '../commands/handle.js';
import type { JobQueue } from '../jobs/port.js';
import type { RecordKind, RecordState } from '../events/catalogue.js';
import type { CursorKey } from '../queries/cursor.js';
import { NotFoundError } from '../errors.js';
import type { ReadModel } from './read-model.js';
import { principalOf } from './authenticate.js';
import type { Principal } from '../access/principal.js';
import { answerWrite, commandContext, ifMatchOf, type Clock } from './command-context.js';
import { validator } from '../commands/validate.js';
import { isAggregateId } from '../events/log/stream-name.js';
import { uniquely } from './uniqueness.js';
import type { UniquenessLock } from './uniqueness-lock.js';
import { exportList, history, list, read } from './record-reads.js';

/** The folded state as the routes need it: absent (`none`), or a record with an owner (the policy's ABAC). */
export type GuardState = { status: string; ownerId?: string | null };

/**
 * A record resource: a kind and the aggregate handling it. A rule-bearing kind brings its own
 * decider (state `S`, commands `C`, a superset of the generic ones), may complete a generic command
 * with inputs only the server has (`prepare`) and may add routes of its own (`routes`).
 */
export type RecordResource<S extends GuardState = RecordState, C extends RecordCommand = RecordCommand> = {
  kind: RecordKind;
  aggregate: Aggregate<C, DomainEvent, S>;
  /** `module.resource` (e.g. `sales.contacts`): permissions `<it>:create|read|update|archive`. */
  permission: string;
  /** Where it is mounted, e.g. `/sales/contacts` (for `Location`). */
  path: string;
  /** Its link fields, each with the kind of record it names: looked up in the caller's tenant before `prepare` (which keeps them: `{ ...command }`), refused by the decider. */
  links?: LinkFields;
  /** The aggregate's command for a generic one (e.g. with the tenant's configuration), for the record `id` (none: a create) and the caller `actorId`; required when `C` adds inputs. */
  prepare?: (command: RecordCommand, deps: RouteDeps, tenantId: string, id: string | undefined, actorId: string) => Promise<C>;
  /** The fields of its reads withheld from `principal` (absent): computed ones that name records they may not read. */
  withheldFrom?: (principal: Principal) => string[];
  /** Routes of its own (rule commands: a lead's qualify, an opportunity's win…), added before the generic `/:id` ones. */
  routes?: (router: Router, deps: RouteDeps) => void;
  /** What follows a create in the same request (a quote's numbering); answers the request's last result. */
  created?: (deps: RouteDeps, id: string, context: CommandContext, result: CommandResult) => Promise<CommandResult>;
  /** What follows a restore in the same request (an activity's reminder timer), once it is answered. */
  restored?: (deps: RouteDeps, id: string, tenantId: string) => Promise<void>;
};

/** A resource whatever its state and commands: what the API's list of resources holds. */
export type ServedResource = { kind: RecordKind; path: string; routes: (deps: RouteDeps) => Router };

export type RouteDeps = CommandDeps & {
  clock: Clock; readModel: ReadModel; jobs?: Pick<JobQueue, 'enqueue' | 'get' | 'remove'>;
  /** Seals and opens list cursors (`cursorKeyOf(masterKey)`: every replica's is the same). */
  cursorKey: CursorKey;
  /** The lock over a unique value's check and write; default: this process's (see `uniqueness-lock.ts`). */
  uniquenessLock?: UniquenessLock;
};

const bodyOf = (ctx: Context): unknown => (ctx.request as { body?: unknown }).body;

export const archiveBody = validator<{ reason?: string }>({ type: 'object', additionalProperties: false, properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } } });
/** The body of a command that takes no input: nothing, or `{}` (anything else is refused like any unknown field); pass an absent body as `{}`. */
export const emptyBody = validator<Record<string, never>>({ type: 'object', additionalProperties: false, properties: {} });
export const ownerBody = validator<{ ownerId: string }>({ type: 'object', additionalProperties: false, required: ['ownerId'], properties: { ownerId: { type: 'string', minLength: 1, maxLength: 128 } } });

/** The policy's check of `permission` on a record as its state is (its owner, once it exists), for the caller of `ctx`. */
export const ownershipGuard = (ctx: Context, permission: string) => (state: GuardState): void =>
  authorize(principalOf(ctx.state), permission, state.status === 'none' || state.ownerId === undefined ? undefined : { ownerId: state.ownerId });

/** A command request (without its command) for the record `ctx.params.id`, with `If-Match`, guarded by the policy's `permission`. */
export const recordRequest = <S extends GuardState>(deps: RouteDeps, ctx: Context, permission: string): Omit<Request<unknown, S>, 'command'> => ({
  id: recordIdOf(ctx),
  context: commandContext(ctx, deps.clock),
  ifMatch: ifMatchOf(ctx),
  guard: ownershipGuard(ctx, permission),
});

/** The record id in the path; one that cannot name a record is a 404, as for a read. */
const recordIdOf = (ctx: Context): string => {
  if (!isAggregateId(ctx.params.id!)) throw new NotFoundError('No such record');
  return ctx.params.id!;
};

/** Sends `command` as `request` (see `recordRequest`) and answers 200. */
const sendRequest = <S extends GuardState, C>(deps: RouteDeps, aggregate: Aggregate<C, DomainEvent, S>, ctx: Context, request: Omit<Request<unknown, S>, 'command'>, command: C) =>
  handleCommand(deps, aggregate, { ...request, command }).then((result) => answerWrite(ctx, 200, result));

/** Sends one command of a resource's aggregate to the record `ctx.params.id`, guarded by the policy, and answers 200. */
export const sendCommand = <S extends GuardState, C>(deps: RouteDeps, aggregate: Aggregate<C, DomainEvent, S>, permission: string, ctx: Context, command: C) =>
  sendRequest(deps, aggregate, ctx, recordRequest<S>(deps, ctx, permission), command);

/** The command with the findings its decider refuses by: the owner it gives, its links, and the kind's own (`prepare`). */
const prepared = async <S extends GuardState, C extends RecordCommand>(r: RecordResource<S, C>, deps: RouteDeps, ctx: Context, command: RecordCommand) => {
  const { tenantId, actorId } = principalOf(ctx.state);
  const owned = await withCheckedOwner(deps, tenantId, actorId, command);
  const checked = r.links ? await withCheckedLinks(deps, tenantId, r.links, owned) : owned;
  return r.prepare ? r.prepare(checked, deps, tenantId, ctx.params.id, actorId) : (checked as C);
};

/** Sends a generic command to the record `ctx.params.id` under the uniqueness rule, which asks its decider first (`decided`). */
const send = async <S extends GuardState, C extends RecordCommand>(deps: RouteDeps, r: RecordResource<S, C>, action: string, ctx: Context, command: RecordCommand) => {
  const permission = `${r.permission}:${action}`;
  const request = { ...recordRequest<S>(deps, ctx, permission), command: await prepared(r, deps, ctx, command) };
  const decided = () => wouldAppend(deps, r.aggregate, request);
  const unique = { kind: r.kind, ctx, permission, id: ctx.params.id!, command, commandId: request.context.commandId, decided };
  return uniquely(deps, unique, (locked) => sendRequest(locked, r.aggregate, ctx, request, request.command));
};

/**
 * Creates the record `id` from a validated create body, as the caller of `ctx`: a subject for a
 * kind about a person, the kind's preparation, the uniqueness rule, the one command handler, then
 * what follows a create. The create route's path; bulk import sends each row through it too. `id`
 * is the command's own record id (`recordIdFor(context.commandId)`), so its stream is fresh.
 */
export const createRecord = async <S extends GuardState, C extends RecordCommand>(
  deps: RouteDeps, r: RecordResource<S, C>, ctx: Context, body: CreateBody, context: CommandContext, id: string,
): Promise<CommandResult> => {
  const principal = principalOf(ctx.state);
  // A grant to create one's own records creates none for someone else (`ownerId` in the body or an import's row).
  authorize(principal, `${r.permission}:create`, { ownerId: body.ownerId ?? principal.actorId });
  const subjectId = r.kind.subject === 'self' ? await deps.keyStore.newSubjectId(principal.tenantId) : undefined;
  const command = await prepared(r, deps, ctx, createCommand(body, principal.actorId, subjectId));
  const unique = { kind: r.kind, ctx, permission: `${r.permission}:create`, id, command, commandId: context.commandId };
  const result = await uniquely(deps, unique, (locked) => handleCommand(locked, r.aggregate, { id, command, context, fresh: true }));
  return r.created ? r.created(deps, id, context, result) : result;
};

const create = <S extends GuardState, C extends RecordCommand>(deps: RouteDeps, r: RecordResource<S, C>, validate: ReturnType<typeof recordValidators>) => async (ctx: Context) => {
  authorize(principalOf(ctx.state), `${r.permission}:create`);
  const body = validate.create(bodyOf(ctx));
  const context = commandContext(ctx, deps.clock);
  const id = recordIdFor(context.commandId);
  const result = await createRecord(deps, r, ctx, body, context, id);
  ctx.set('Location', `${r.path}/${id}`);
  answerWrite(ctx, 201, result);
};


/** Restores the record, then does what follows a restore of its kind (`restored`: an activity's reminder). */
const restore = <S extends GuardState, C extends RecordCommand>(deps: RouteDeps, r: RecordResource<S, C>) => async (ctx: Context) => {
  emptyBody(bodyOf(ctx) ?? {});
  await send(deps, r, 'archive', ctx, { type: 'RestoreRecord' });
  await r.restored?.(deps, ctx.params.id!, principalOf(ctx.state).tenantId);
};

/** The router of one record resource (mount it under `resource.path`). */
export const recordRoutes = <S extends GuardState, C extends RecordCommand>(deps: RouteDeps, r: RecordResource<S, C>): Router => {
  const validate = recordValidators(r.kind);
  const router = new Router();
  router.post('/', create(deps, r, validate));
  router.get('/', list(deps, r));
  router.get('/export', exportList(deps, r));
  // A resource's own routes come before `/:id`, so a fixed path of its own (`/overdue`) is not read as an id.
  r.routes?.(router, deps);
  router.get('/:id', read(deps, r));
  router.get('/:id/history', history(deps, r));
  router.patch('/:id', (ctx) => send(deps, r, 'update', ctx, { type: 'UpdateRecord', changes: validate.patch(bodyOf(ctx)) }));
  router.post('/:id/archive', (ctx) => send(deps, r, 'archive', ctx, { type: 'ArchiveRecord', reason: archiveBody(bodyOf(ctx) ?? {}).reason ?? null }));
  router.post('/:id/restore', restore(deps, r));
  router.put('/:id/owner', (ctx) => send(deps, r, 'update', ctx, { type: 'AssignOwner', ownerId: ownerBody(bodyOf(ctx)).ownerId }));
  router.post('/:id/tags', (ctx) => {
    const { add = [], remove = [] } = validate.tags(bodyOf(ctx));
    return send(deps, r, 'update', ctx, { type: 'TagRecord', add, remove });
  });
  return router;
};

/** A resource as the API serves it, its state and command types hidden behind its routes. */
export const served = <S extends GuardState, C extends RecordCommand>(r: RecordResource<S, C>): ServedResource => ({
  kind: r.kind,
  path: r.path,
  routes: (deps) => recordRoutes(deps, r),
});
