/**
 * Links between records (a contact's account, an opportunity's account and contact, a quote's
 * opportunity and account, an activity's `linkedTo`): a link names a record the tenant holds, and
 * not one merged into another. The log is read before deciding, as for an activity's link: the
 * stream name carries the tenant, so another tenant's record is not found, like a missing one.
 * The findings reach the decider as an input, and the decider refuses, so deciders stay pure.
 * A user named by a record (an attendee, an owner) is read the same way, from their own stream.
 */
import { RuleViolationError } from '../errors.js';
import type { RecordKind } from '../events/catalogue.js';
import type { JsonObject } from '../events/log/port.js';
import { isAggregateId, streamName } from '../events/log/stream-name.js';
import { USER_AGGREGATE, evolveUser, initialUserState, type UserEvent } from '../events/identity/user.js';
import type { RecordCommand } from './catalogue.js';
import type { CommandDeps } from './handle.js';

/** A record kind's link fields, each with the kind of the record it names. */
export type LinkFields = Readonly<Record<string, RecordKind>>;

/** One record as the log holds it in a tenant: found, the subject of its create, the record it was merged into. */
export type LinkedRecord = { found: boolean; subjectId?: string; mergedInto?: string };

/** What the log said of one link a create gives or a patch sets. */
export type LinkFinding = { field: string; id: string; found: boolean; mergedInto?: string };

/** A generic command with its link findings (absent: none to refuse, e.g. records a conversion creates together). */
export type LinkCheckedRecordCommand = RecordCommand & { links?: LinkFinding[] };

/** The event type marking a record of the kind merged into another (`{ into }`), for a kind whose records merge (contacts). */
const mergedEventOf = (kind: RecordKind): string | undefined => (kind.effects?.Merged ? `${kind.eventPrefix}Merged` : undefined);

/**
 * The record `id` of `kind` in the tenant: its first event (the create, with its subject) and, for
 * a kind whose records merge, its last two. A merged record is read-only (every command refuses it,
 * and erasure writes to the subject's stream), so its merge is among them: the merge and the
 * archive it brings. Two short reads, whatever the length of the record's history.
 */
export const linkedRecordOf = async (deps: CommandDeps, tenantId: string, kind: RecordKind, id: string): Promise<LinkedRecord> => {
  const stream = streamName(tenantId, kind.type, id);
  const [first] = await deps.store.readStream(stream, { maxCount: 1 });
  if (!first) return { found: false };
  const merged = mergedEventOf(kind);
  const last = merged ? await deps.store.readStream(stream, { direction: 'backwards', maxCount: 2 }) : [];
  const subjectId = first.data.subjectId;
  const into = last.find((e) => e.type === merged)?.data.into;
  return { found: true, ...(typeof subjectId === 'string' ? { subjectId } : {}), ...(typeof into === 'string' ? { mergedInto: into } : {}) };
};

/** A user as the log holds them in a tenant: none, or their status (`erased`: their personal data was erased, which closed their account). */
export type LinkedUser = { found: false } | { found: true; status: 'invited' | 'active' | 'deactivated' | 'erased' };

/**
 * The user `id` in the tenant, folded from their stream (a short one: enrolment, roles, password
 * and status changes). A user id that cannot name a stream (free text, an email) names no user: it
 * is not found, not malformed. Another tenant's user is not found either (the stream name carries the tenant).
 */
export const linkedUserOf = async (deps: CommandDeps, tenantId: string, id: string): Promise<LinkedUser> => {
  if (!isAggregateId(id)) return { found: false };
  const events = await deps.store.readStream(streamName(tenantId, USER_AGGREGATE, id));
  const state = events.map((e) => ({ type: e.type, data: e.data }) as UserEvent).reduce(evolveUser, initialUserState());
  if (state.status === 'none') return { found: false };
  return { found: true, status: deps.keyStore.isErased(tenantId, state.subjectId) ? 'erased' : state.status };
};

/** The link fields a create gives or a patch sets, with their ids (a cleared link names nothing). */
const givenLinks = (fields: LinkFields, command: RecordCommand): [field: string, id: string][] => {
  const given: JsonObject = command.type === 'CreateRecord' ? command.fields : command.type === 'UpdateRecord' ? command.changes : {};
  return Object.keys(fields).flatMap((field) => {
    const id = given[field];
    return typeof id === 'string' ? [[field, id] as [string, string]] : [];
  });
};

/** The command with what the caller's tenant holds of each record its links name. */
export const withCheckedLinks = async (deps: CommandDeps, tenantId: string, fields: LinkFields, command: RecordCommand): Promise<LinkCheckedRecordCommand> => {
  const given = givenLinks(fields, command);
  if (given.length === 0) return command;
  const links = await Promise.all(given.map(async ([field, id]): Promise<LinkFinding> => {
    const { found, mergedInto } = await linkedRecordOf(deps, tenantId, fields[field]!, id);
    return { field, id, found, ...(mergedInto === undefined ? {} : { mergedInto }) };
  }));
  return { ...command, links };
};

/** 422 `linked_record_merged`, naming the record to link instead. */
export const linkedRecordMerged = (mergedInto: string, details: Record<string, unknown>): RuleViolationError =>
  new RuleViolationError('linked_record_merged', `The linked record was merged into ${mergedInto}; link that one`, { ...details, mergedInto });

/**
 * Refuses a link to a record the tenant does not hold (422 `linked_record_not_found`, a missing id
 * and another tenant's alike) or to a merged one (422 `linked_record_merged`). `current`: the
 * record's fields before the command; a link a patch leaves as it was is not refused.
 */
export const assertLinksFound = (links: readonly LinkFinding[] = [], current: JsonObject = {}): void => {
  const changed = links.filter((link) => current[link.field] !== link.id);
  const missing = changed.find((link) => !link.found);
  if (missing) {
    throw new RuleViolationError('linked_record_not_found', `${missing.field} names no record of this tenant`, { field: missing.field, id: missing.id });
  }
  const merged = changed.find((link) => link.mergedInto !== undefined);
  if (merged) throw linkedRecordMerged(merged.mergedInto!, { field: merged.field, id: merged.id });
};
