/**
 * The generic read routes of a catalogue record (design §2): read (the present from the read model
 * or the log, the past with `?asOf=`), history, list and export. Split from `records.ts`, which
 * mounts them with the write routes.
 */
import type { Context } from 'koa';
import { authorize, rowScope } from '../access/policy.js';
import { getRecord, parseAsOf, recordHistory, type AsOf, type RecordView } from '../queries/records.js';
import { currentRecord, exportRecords, listRecords, withoutWithheld, type Reader } from '../queries/record-list.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { Principal } from '../access/principal.js';
import type { RecordKind } from '../events/catalogue.js';
import { awaitConsistency, queryOf } from './read-model.js';
import { principalOf } from './authenticate.js';
import { answerOf, cachedAnswer, type CachedAnswer } from './read-cache.js';
import type { RecordResource, RouteDeps } from './records.js';

/** What the read routes need of a resource. */
type Described = Pick<RecordResource, 'kind' | 'permission' | 'withheldFrom'>;

/** Sends an answer already serialized (a cached one), as JSON. */
const sendJson = (ctx: Context, answer: CachedAnswer): void => {
  if (answer.etag) ctx.set('ETag', answer.etag);
  ctx.type = 'application/json';
  ctx.body = answer.json;
};

/** An `own`-scoped reader sees only the records they own now; another's is a 404, as if absent. */
const visible = (reader: Reader, record: RecordView): RecordView => {
  if (reader.ownerOnly !== undefined && record.ownerId !== reader.ownerOnly) throw new NotFoundError('No such record');
  return record;
};

/**
 * The record `id` of `kind` as its `GET /:id` shows it to `principal` reading under `permission`
 * (e.g. `sales.targets`): 403 without the permission, 404 when missing or, to an `own`-scoped
 * reader, another's. For routes about one record that are not its read (attainment, an account's contacts).
 */
export const shownRecord = async (deps: RouteDeps, principal: Principal, kind: RecordKind, permission: string, id: string): Promise<RecordView> => {
  authorize(principal, `${permission}:read`);
  const ownerOnly = rowScope(principal, `${permission}:read`) === 'own' ? principal.actorId : undefined;
  return visible({ tenantId: principal.tenantId, ownerOnly }, await getRecord(deps, kind, principal.tenantId, id));
};

const answerFor = (record: RecordView): CachedAnswer => answerOf(record, `"${record.revision}"`);

/** The present from the read model when it holds every acknowledged write, else from the log. */
const presentRecord = async (deps: RouteDeps, r: Described, reader: Reader, id: string): Promise<CachedAnswer> => {
  if (!(await deps.readModel.isCurrent(r.kind.type))) return answerFor(withoutWithheld(reader, visible(reader, await getRecord(deps, r.kind, reader.tenantId, id))));
  const key = JSON.stringify(['record', r.kind.type, reader.tenantId, reader.ownerOnly ?? null, reader.withheld ?? null, id]);
  return cachedAnswer(deps.readModel.db, key, () => {
    const record = currentRecord(deps.readModel.db, r.kind, reader.tenantId, id);
    if (!record) throw new NotFoundError('No such record');
    return answerFor(withoutWithheld(reader, visible(reader, record)));
  });
};

/** The past from the log, for a reader who may see the record as it is now. */
const readRecord = async (deps: RouteDeps, r: Described, reader: Reader, id: string, asOf: AsOf | undefined): Promise<CachedAnswer> => {
  if (asOf === undefined || reader.ownerOnly !== undefined) {
    const present = await presentRecord(deps, r, reader, id);
    if (asOf === undefined) return present;
  }
  return answerFor(withoutWithheld(reader, await getRecord(deps, r.kind, reader.tenantId, id, asOf)));
};

export const read = (deps: RouteDeps, r: Described) => async (ctx: Context) => {
  const { asOf: raw } = queryOf(ctx, ['asOf']);
  const asOf = parseAsOf(raw);
  sendJson(ctx, await readRecord(deps, r, readerOf(ctx, r), ctx.params.id!, asOf));
};

/** Whose rows the caller may list: the tenant's, or only their own when the policy says so. */
const readerOf = (ctx: Context, r: Described): Reader => {
  const principal = principalOf(ctx.state);
  authorize(principal, `${r.permission}:read`);
  const own = rowScope(principal, `${r.permission}:read`) === 'own';
  const withheld = r.withheldFrom?.(principal) ?? [];
  return { tenantId: principal.tenantId, ...(own ? { ownerOnly: principal.actorId } : {}), ...(withheld.length > 0 ? { withheld } : {}) };
};

const LIST_PARAMS = ['filter', 'sort', 'limit', 'cursor', 'q'] as const;

export const list = (deps: RouteDeps, r: Described) => async (ctx: Context) => {
  const reader = readerOf(ctx, r);
  const query = queryOf(ctx, LIST_PARAMS);
  await awaitConsistency(ctx, deps.readModel, r.kind.type);
  const { filter, sort, limit, cursor, q } = query;
  const key = JSON.stringify(['list', r.kind.type, reader.tenantId, reader.ownerOnly ?? null, reader.withheld ?? null, filter, sort, limit, cursor, q]);
  sendJson(ctx, cachedAnswer(deps.readModel.db, key, () => answerOf(listRecords({ db: deps.readModel.db, cursorKey: deps.cursorKey }, r.kind, reader, query))));
};

const EXPORT_TYPES = { csv: 'text/csv; charset=utf-8', jsonl: 'application/x-ndjson; charset=utf-8' } as const;

export const exportList = (deps: RouteDeps, r: Described) => async (ctx: Context) => {
  const reader = readerOf(ctx, r);
  const { format, ...query } = queryOf(ctx, [...LIST_PARAMS.filter((p) => p !== 'limit' && p !== 'cursor'), 'format']);
  if (format !== 'csv' && format !== 'jsonl') {
    throw new InvalidInputError('invalid_format', 'format must be csv or jsonl', [{ pointer: '/query/format', message: 'csv or jsonl' }]);
  }
  await awaitConsistency(ctx, deps.readModel, r.kind.type);
  ctx.body = exportRecords(deps.readModel.db, r.kind, reader, query, format);
  ctx.attachment(`${r.kind.type}.${format}`);
  ctx.type = EXPORT_TYPES[format];
};

export const history = (deps: RouteDeps, r: Described) => async (ctx: Context) => {
  const reader = readerOf(ctx, r);
  if (reader.ownerOnly !== undefined) await presentRecord(deps, r, reader, ctx.params.id!);
  ctx.body = { data: await recordHistory(deps, r.kind, reader.tenantId, ctx.params.id!) };
};
