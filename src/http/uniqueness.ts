/**
 * Unique fields of a record kind (`unique: ['email']`): a create, a patch setting such a field, or
 * a restore, is refused with 409 `duplicate_<field>` (naming the other record) when another active
 * record of the tenant holds the same normalized value. Values are compared by the tenant's lookup
 * hash, which lives only in the uniqueness index (never in an event; deleted on erasure).
 *
 * What holds: within one API process, check and append run under an in-process lock per (tenant,
 * field, hash), and the check sees every earlier write (this process's, a lead conversion's,
 * another process's); two concurrent writes of one value cannot both pass. It sees them without
 * waiting when the log past the index's checkpoint holds only writes made here, whose claimed
 * values are reserved in memory until the index applies them (`uniqueness-claims.ts`); otherwise,
 * and whenever a value looks taken (it may have been released since), it waits until the index
 * has applied the log's head and checks the index alone. Across several API processes sharing one
 * log (EventStoreDB replicas) the lock is also taken in Redis when `REDIS_URL` is set
 * (`uniqueness-lock.ts`): the second writer checks after the first one's append, waiting for the
 * head, so it sees it; a first writer whose key ran out before its append appends nothing (503).
 * Without Redis the lock is this process's only: run one API process then. A lead's conversion is
 * checked as the creation of its contact (`http/sales/leads.ts`). A write to an existing record is
 * first decided on it, appending nothing, under the locks: the record's own answer (403, 404, 412,
 * `record_archived`…) comes before any value's, and a write changing nothing is not checked.
 *
 * A kind's unique keys (`uniqueKeys`: a key computed from several fields, e.g. a target's) are
 * claimed and checked the same way, as `duplicate_<name>`, against the kind's record table rather
 * than an index of their own (`uniqueness-keys.ts`). A patch's key depends on the record's fields,
 * so a kind with keys has its patches of one record take turns (a lock on the record, taken before
 * the claims' locks, never after one) over reading those fields and writing.
 */
import type { Context } from 'koa';
import { authorize, rowScope } from '../access/policy.js';
import type { RecordCommand } from '../commands/catalogue.js';
import { unreachable } from '../commands/decider.js';
import { ConflictError } from '../errors.js';
import type { RecordKind } from '../events/catalogue.js';
import type { JsonObject } from '../events/log/port.js';
import { tenantLookupHash } from '../events/personal-data/keyed-hash.js';
import { hasUniqueness, uniqueKeysOf, uniquenessTables } from '../projections/uniqueness.js';
import { getRecord } from '../queries/records.js';
import { activeHolder, claimsOf, type Claim } from '../queries/uniqueness.js';
import { principalOf } from './authenticate.js';
import type { RouteDeps } from './records.js';
import { trackerOf } from './uniqueness-claims.js';
import { keyClaimsFor, keyHolder, recordTurnKeyOf, type KeyClaim } from './uniqueness-keys.js';
import { fencedBy, type Hold } from '../process-locks.js';
import { processLock, type UniquenessLock } from './uniqueness-lock.js';

/** One guarded write: the record it targets, the generic command it carries (and its command id), who must be allowed it. */
export type UniqueWrite = {
  kind: RecordKind; ctx: Context; permission: string; id: string; command: RecordCommand; commandId: string;
  /** Who may learn the other holder's id: by default the read permission of `permission`'s resource. */
  readPermission?: string;
  /**
   * The write's command decided on its record as the log holds it now, appending nothing
   * (`wouldAppend`): throws what the handler would, else whether it changes the record. Absent: a
   * create, whose record is new.
   */
  decided?: () => Promise<boolean>;
};

const hashed = (deps: RouteDeps, kind: RecordKind, tenantId: string, values: JsonObject): Claim[] =>
  (kind.unique ?? [])
    .filter((field) => typeof values[field] === 'string')
    .map((field) => ({ field, hash: tenantLookupHash(deps.keyStore, tenantId, field, values[field] as string) }));

/** A value the write would make active: a unique field's lookup hash, or a unique key. */
type Held = Claim | KeyClaim;

const isKey = (claim: Held): claim is KeyClaim => 'key' in claim;

/** The read model a claim is checked against: the kind's uniqueness index (fields), or its record table (keys). */
const projectionOf = (kind: RecordKind, claim: Held): string => (isKey(claim) ? kind.type : uniquenessTables(kind).projection);

/** The indexes hold every write acknowledged so far (503 `consistency_timeout` when they cannot). */
const indexesReachedHead = async (deps: RouteDeps, projections: readonly string[]): Promise<void> => {
  const head = await deps.store.headPosition();
  for (const projection of new Set(projections)) await deps.readModel.waitFor(head, projection);
};

/** The id of another active record holding the claimed value, if any. */
const holderOf = (deps: RouteDeps, w: UniqueWrite, tenantId: string, claim: Held): string | undefined =>
  isKey(claim) ? keyHolder(deps.readModel.db, w.kind, tenantId, w.id, claim) : activeHolder(deps.readModel.db, w.kind, tenantId, w.id, claim);

/** The values of unique fields the command would make active on the record. */
const fieldClaimsFor = async (deps: RouteDeps, w: UniqueWrite, tenantId: string): Promise<Claim[]> => {
  if (!w.kind.unique?.length) return [];
  switch (w.command.type) {
    case 'CreateRecord':
      return hashed(deps, w.kind, tenantId, w.command.fields);
    case 'UpdateRecord':
      return hashed(deps, w.kind, tenantId, w.command.changes);
    case 'RestoreRecord':
      await indexesReachedHead(deps, [uniquenessTables(w.kind).projection]);
      return claimsOf(deps.readModel.db, w.kind, tenantId, w.id);
    case 'ArchiveRecord':
    case 'AssignOwner':
    case 'TagRecord':
      return [];
    default:
      return unreachable(w.command);
  }
};

/** The values the command would make active on the record: its unique fields', then its unique keys. */
const claimsFor = async (deps: RouteDeps, w: UniqueWrite, tenantId: string): Promise<Held[]> => [
  ...(await fieldClaimsFor(deps, w, tenantId)),
  ...(await keyClaimsFor(deps, w.kind, tenantId, w.id, w.command)),
];

/** Whether the caller may read the record `id` (its kind's read permission, on it when the grant is to their own). */
const mayRead = async (deps: RouteDeps, w: UniqueWrite, id: string): Promise<boolean> => {
  const principal = principalOf(w.ctx.state);
  const scope = rowScope(principal, w.readPermission ?? `${w.permission.split(':')[0]}:read`);
  if (scope !== 'own') return scope === 'all';
  const holder = await getRecord(deps, w.kind, principal.tenantId, id).catch(() => undefined);
  return holder !== undefined && holder.ownerId === principal.actorId;
};

/** 409 naming the other holder, by id only to a caller who may read it (else the refusal would tell them it exists). */
const refuseTaken = async (deps: RouteDeps, w: UniqueWrite, tenantId: string, claims: Held[]): Promise<void> => {
  for (const claim of claims) {
    const existingId = holderOf(deps, w, tenantId, claim);
    if (existingId) {
      const detail = isKey(claim) ? `Another active record has the same ${claim.key.describes}` : `Another active record holds this ${claim.field}`;
      const named = (await mayRead(deps, w, existingId)) ? { existingId } : {};
      throw new ConflictError(`duplicate_${claim.field}`, detail, { field: claim.field, ...named });
    }
  }
};

/** The lock and reservation key of a claimed value: the tenant, the record type, the field and the value's lookup hash. */
export const uniquenessKeyOf = (tenantId: string, type: string, field: string, hash: string): string => `${tenantId}\0${type}\0${field}\0${hash}`;

const keyOf = (w: UniqueWrite, tenantId: string, claim: Held): string => uniquenessKeyOf(tenantId, w.kind.type, claim.field, claim.hash);

/**
 * The check without waiting for the head: when the log between the index's checkpoint and the head
 * holds only this process's appends that reserved what they claim (`uniqueness-claims.ts`), the
 * index plus those reservations is what the index will hold at the head, but for values released
 * since (an archive, a change of email) — so a value held there is only a suspicion: false sends
 * the write to the full check, true means no other record holds any of the claims.
 */
const clearWithoutWaiting = async (deps: RouteDeps, w: UniqueWrite, tenantId: string, claims: Held[]): Promise<boolean> => {
  const tracker = trackerOf(deps.store);
  const checkpoint = deps.readModel.checkpoint?.bind(deps.readModel);
  const projections = [...new Set(claims.map((claim) => projectionOf(w.kind, claim)))];
  if (!tracker || !checkpoint || projections.some((projection) => checkpoint(projection) === undefined)) return false;
  const head = await deps.store.headPosition();
  // The head may hold appends of ours whose answers are on their way: those are worth waiting for, not the index.
  if (projections.some((projection) => !tracker.covers(checkpoint(projection) ?? head, head))) await tracker.settled();
  // From here on synchronous: the checkpoints, the index rows and the reservations agree.
  return claims.every((claim) => {
    const at = checkpoint(projectionOf(w.kind, claim));
    return at !== undefined && tracker.covers(at, head) && !tracker.reservedBy(keyOf(w, tenantId, claim), w.id, at) && !holderOf(deps, w, tenantId, claim);
  });
};

/**
 * Runs `write` unless it would duplicate a unique value of another active record (then 409, nothing
 * written). `write` appends through the deps it is given: their store appends only while the locks
 * taken here are held (503 `uniqueness_lock_lost` once one ran out, nothing appended).
 */
export const uniquely = async <T>(deps: RouteDeps, w: UniqueWrite, write: (deps: RouteDeps) => Promise<T>): Promise<T> => {
  if (!hasUniqueness(w.kind)) return write(deps);
  const principal = principalOf(w.ctx.state);
  authorize(principal, w.permission);
  const lock = deps.uniquenessLock ?? processLock;
  // A patch's keys are computed from the record's fields: this record's patches take turns over that read and their write.
  const turns = uniqueKeysOf(w.kind).length > 0 && w.command.type === 'UpdateRecord';
  const turn = turns ? await lock([recordTurnKeyOf(principal.tenantId, w.kind.type, w.id)]) : undefined;
  try {
    return await checked(deps, w, principal.tenantId, lock, (claimed) => write(fencedBy(deps, turn, claimed)));
  } finally {
    await turn?.release();
  }
};

/** `uniquely` once the caller may write: the claims, their locks, the record's decider, the check, the write (under the claims' hold, if any). */
const checked = async <T>(deps: RouteDeps, w: UniqueWrite, tenantId: string, lock: UniquenessLock, write: (claimed?: Hold) => Promise<T>): Promise<T> => {
  const claims = await claimsFor(deps, w, tenantId);
  const keys = claims.map((c) => keyOf(w, tenantId, c));
  const tracker = trackerOf(deps.store);
  // Every write checked here is accounted for: it reserves exactly what it claims (maybe nothing).
  const command = { tenantId, commandId: w.commandId };
  const reserving = (hold?: Hold) => {
    const run = () => write(hold);
    return tracker ? tracker.reserving(command, keys.map((key) => ({ key, recordId: w.id })), run) : run();
  };
  if (claims.length === 0) return reserving();
  const hold = await lock(keys);
  try {
    // The record as it is now is judged before any value: what its handler answers (the policy's
    // 403, telling nothing of who holds a value; 404; 412; `record_archived`…) is the answer, and a
    // write that changes nothing claims nothing. Under the locks: none of its values is taken meanwhile.
    const claiming = w.decided ? await w.decided() : true;
    if (claiming && !(await clearWithoutWaiting(deps, w, tenantId, claims))) {
      await indexesReachedHead(deps, claims.map((claim) => projectionOf(w.kind, claim)));
      await refuseTaken(deps, w, tenantId, claims);
    }
    return await reserving(hold);
  } finally {
    await hold.release();
  }
};
