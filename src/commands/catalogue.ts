/**
 * The generic decider and validation of catalogue records (see `events/catalogue.ts`): created,
 * updated by a merge patch (RFC 7386, `merge-patch.ts`) with the changed fields only, each whole,
 * archived, restored, owner assigned, tagged.
 */
import { ConflictError, NotFoundError } from '../errors.js';
import {
  effectOf,
  eventNameOf,
  eventTypeOf,
  evolveRecord,
  initialRecordState,
  type RecordBody,
  type RecordEvent,
  type RecordKind,
  type RecordState,
} from '../events/catalogue.js';
import { canonicalJson } from '../events/log/canonical-json.js';
import type { JsonObject, JsonValue } from '../events/log/port.js';
import { unreachable, type Decider, type DomainEvent } from './decider.js';
import type { LinkedUser } from './record-links.js';
import { assertMayOwn } from './record-owner.js';
import { isJsonObject, mergePatch, patchSchemaOf } from './merge-patch.js';
import { validator } from './validate.js';

/**
 * `ownerFinding`: what the tenant's log holds of an owner the caller gave, looked up before deciding
 * (`record-owner.ts`); absent, the owner is not checked (the caller themself, or one the server carries).
 */
export type RecordCommand =
  | { type: 'CreateRecord'; fields: JsonObject; ownerId: string | null; tags: string[]; subjectId?: string; ownerFinding?: LinkedUser }
  /** `changes`: a merge patch of the fields (RFC 7386, see `patchedFields`). */
  | { type: 'UpdateRecord'; changes: JsonObject }
  | { type: 'ArchiveRecord'; reason: string | null }
  | { type: 'RestoreRecord' }
  | { type: 'AssignOwner'; ownerId: string; ownerFinding?: LinkedUser }
  | { type: 'TagRecord'; add: string[]; remove: string[] };

type Live = Extract<RecordState, RecordBody>;

// ---------------------------------------------------------------------------------------------
// Decide
// ---------------------------------------------------------------------------------------------

const changedOnly = (fields: JsonObject, changes: JsonObject): JsonObject =>
  Object.fromEntries(Object.entries(changes).filter(([name, value]) => canonicalJson(fields[name]) !== canonicalJson(value)));

/** The fields after a merge patch: `null` clears a field, an object merges into the field's object (RFC 7386), anything else replaces. */
export const mergedFields = (fields: JsonObject, changes: JsonObject): JsonObject => {
  const next: Record<string, JsonValue> = { ...fields };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete next[name];
    else next[name] = mergePatch(fields[name], value);
  }
  return next;
};

const mergedValidators = new WeakMap<RecordKind, (input: unknown) => JsonObject>();

/** Validates fields against the kind's schemas (none required): pointers name the field, e.g. `/amount/currency`. */
const validFields = (kind: RecordKind, fields: JsonObject): void => {
  let validate = mergedValidators.get(kind);
  if (!validate) mergedValidators.set(kind, (validate = validator<JsonObject>({ type: 'object', properties: kind.fields })));
  validate(fields);
};

/**
 * The fields after a merge patch (`mergedFields`), each merged object still a valid value of its
 * field (400 `validation_failed` pointing into it: a required member removed, `/amount/currency`).
 * Rule-bearing deciders read a patch's effect here; the events carry each changed field whole.
 */
export const patchedFields = (kind: RecordKind, fields: JsonObject, changes: JsonObject): JsonObject => {
  const next = mergedFields(fields, changes);
  const merged = Object.keys(changes).filter((name) => isJsonObject(changes[name]));
  if (merged.length > 0) validFields(kind, Object.fromEntries(merged.map((name) => [name, next[name]!])));
  return next;
};

/** A patch's changes as whole values of the fields it names (`null`: cleared), only those that change. */
const wholeChanges = (kind: RecordKind, fields: JsonObject, changes: JsonObject): JsonObject => {
  const next = patchedFields(kind, fields, changes);
  return changedOnly(fields, Object.fromEntries(Object.keys(changes).map((name) => [name, next[name] ?? null])));
};

const live = (state: RecordState, command: RecordCommand): Live => {
  if (state.status === 'none') throw new NotFoundError('No such record');
  if (state.status === 'archived' && command.type !== 'ArchiveRecord' && command.type !== 'RestoreRecord') {
    throw new ConflictError('record_archived', 'The record is archived; restore it first');
  }
  return state;
};

/** The subject a kind's record is about, as of these fields (undefined: the kind has none). */
const subjectFor = (kind: RecordKind, fields: JsonObject, own: string | null | undefined): string | null | undefined => {
  if (kind.subject === undefined) return undefined;
  if (kind.subject === 'self') return own ?? null;
  const value = fields[kind.subject.field];
  return typeof value === 'string' ? value : null;
};

const withSubject = (subjectId: string | null | undefined) => (subjectId === undefined ? {} : { subjectId });

const decideOnLive = (kind: RecordKind, command: Exclude<RecordCommand, { type: 'CreateRecord' }>, state: Live): RecordEvent[] => {
  switch (command.type) {
    case 'UpdateRecord': {
      const changes = wholeChanges(kind, state.fields, command.changes);
      const subjectId = subjectFor(kind, { ...state.fields, ...changes }, state.subjectId);
      return Object.keys(changes).length === 0 ? [] : [{ type: 'Updated', data: { ...withSubject(subjectId), changes } }];
    }
    case 'ArchiveRecord':
      return state.status === 'archived' ? [] : [{ type: 'Archived', data: { reason: command.reason } }];
    case 'RestoreRecord':
      return state.status === 'active' ? [] : [{ type: 'Restored', data: {} }];
    case 'AssignOwner':
      if (state.ownerId === command.ownerId) return [];
      assertMayOwn(command.ownerId, command.ownerFinding);
      return [{ type: 'OwnerAssigned', data: { ownerId: command.ownerId } }];
    case 'TagRecord': {
      const added = [...new Set(command.add)].filter((t) => !state.tags.includes(t));
      const removed = [...new Set(command.remove)].filter((t) => state.tags.includes(t) && !command.add.includes(t));
      return added.length + removed.length === 0 ? [] : [{ type: 'Tagged', data: { added, removed } }];
    }
    default:
      return unreachable(command);
  }
};

const decideRecord = (kind: RecordKind, command: RecordCommand, state: RecordState): RecordEvent[] => {
  if (command.type !== 'CreateRecord') return decideOnLive(kind, command, live(state, command));
  if (state.status !== 'none') throw new ConflictError('already_exists', 'A record with this id exists');
  const { fields, ownerId, tags, subjectId } = command;
  assertMayOwn(ownerId, command.ownerFinding);
  const subject = withSubject(subjectFor(kind, fields, subjectId));
  return [{ type: 'Created', data: { ...subject, fields, ownerId, tags: [...new Set(tags)] } }];
};

/**
 * The decider of one record kind. Its events carry the kind's stored types (`PartnerCreated`…);
 * events of other types in the stream (none are expected) leave the state as it is.
 */
export const catalogueDecider = (kind: RecordKind): Decider<RecordCommand, DomainEvent, RecordState> => ({
  initialState: initialRecordState,
  evolve: (state, event) => {
    const name = eventNameOf(kind, event.type);
    if (name) return evolveRecord(state, { type: name, data: event.data } as RecordEvent);
    const changes = effectOf(kind, event.type, event.data);
    return changes ? evolveRecord(state, { type: 'Updated', data: { changes } }) : state;
  },
  decide: (command, state) =>
    decideRecord(kind, command, state).map((e) => ({ type: eventTypeOf(kind, e.type), data: e.data as JsonObject })),
});

// ---------------------------------------------------------------------------------------------
// Validation (ajv; unknown fields refused)
// ---------------------------------------------------------------------------------------------

const TAG = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[\\p{L}\\p{N}][\\p{L}\\p{N} _.-]*$' };
const TAGS = { type: 'array', maxItems: 50, uniqueItems: true, items: TAG };
const OWNER = { type: 'string', minLength: 1, maxLength: 128 };

const nullable = (schema: JsonObject): JsonObject => ({ anyOf: [schema, { type: 'null' }] });

export type CreateBody = JsonObject & { ownerId?: string; tags?: string[] };

/**
 * The create and patch validators of a kind. A patch is a JSON Merge Patch (RFC 7386): it may clear
 * (null) only optional fields and members, and names any members of an object field (the merged
 * value is validated by the decider, `patchedFields`).
 */
export const recordValidators = (kind: RecordKind) => {
  const writable = Object.fromEntries(Object.entries(kind.fields).filter(([name]) => !kind.readOnly?.includes(name)));
  const patchFields = Object.fromEntries(Object.entries(writable).map(([name, schema]) => {
    const patch = patchSchemaOf(schema);
    return [name, kind.required.includes(name) ? patch : nullable(patch)];
  }));
  return {
    create: validator<CreateBody>({
      type: 'object', additionalProperties: false, required: kind.required,
      properties: { ...writable, ownerId: OWNER, tags: TAGS },
    }),
    patch: validator<JsonObject>({ type: 'object', additionalProperties: false, minProperties: 1, properties: patchFields }),
    tags: validator<{ add?: string[]; remove?: string[] }>({
      type: 'object', additionalProperties: false, minProperties: 1, properties: { add: TAGS, remove: TAGS },
    }),
  };
};

/** Splits a validated create body into the command; `subjectId` for kinds about a person of their own. */
export const createCommand = (body: CreateBody, defaultOwner: string, subjectId?: string): RecordCommand => {
  const { ownerId, tags, ...fields } = body;
  return { type: 'CreateRecord', fields, ownerId: ownerId ?? defaultOwner, tags: tags ?? [], ...(subjectId ? { subjectId } : {}) };
};
