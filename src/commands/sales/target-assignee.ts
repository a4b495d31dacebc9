/**
 * A target's people (its user, or its team's members) are users of the tenant who may be given a
 * quota, as a record's owner is (`../record-owner.ts`): otherwise the quota names someone who owns
 * nothing of the tenant and is never attained. Each user id a create's or a patch's `assignee`
 * names, other than the caller's own, is looked up in the log before deciding (`linkedUserOf`), and
 * the decider refuses a person the target did not count before who is no user of the tenant (422
 * `assignee_not_found`: a missing id, another tenant's user and free text alike) or one deactivated
 * or erased (422 `assignee_not_active`), with an error at each (`/assignee/id`, `/assignee/members/2`).
 *
 * Not refused, as for an owner: the caller (the records they create are theirs by default, so a
 * quota of theirs can be attained even when their token names no user of the directory, an
 * integration's), and a person the target counted before whom the change keeps (a user made a
 * member of a team, a member kept while the team changes): a target whose people are deactivated
 * later stays writable. Name someone else to give the quota to them.
 */
import { RuleViolationError, type FieldError } from '../../errors.js';
import type { JsonObject, JsonValue } from '../../events/log/port.js';
import type { RecordCommand } from '../catalogue.js';
import type { CommandDeps } from '../handle.js';
import { isJsonObject } from '../merge-patch.js';
import { linkedUserOf, type LinkedUser } from '../record-links.js';
import { unfitUser } from '../record-owner.js';

/** What the tenant's log holds of each user id an assignee given by the caller names (not the caller's own). */
export type AssigneeFindings = ReadonlyMap<string, LinkedUser>;

/** The user ids an assignee, whole or a merge patch of one, names: its `id` unless it is a team's name, its members. */
const idsNamedIn = (assignee: JsonValue | undefined): string[] => {
  if (!isJsonObject(assignee)) return [];
  const id = assignee.type !== 'team' ? [assignee.id] : [];
  const members = Array.isArray(assignee.members) ? assignee.members : [];
  return [...new Set([...id, ...members].filter((value): value is string => typeof value === 'string'))];
};

/** The assignee a create or patch gives (a `PATCH` body has it spelled out whole, see `spelledOutPatch`). */
const givenAssignee = (command: RecordCommand): JsonValue | undefined =>
  command.type === 'CreateRecord' ? command.fields.assignee : command.type === 'UpdateRecord' ? command.changes.assignee : undefined;

/** The command with what the tenant holds of each user its assignee names, but the caller (`actorId`). */
export const withCheckedAssignee = async <C extends RecordCommand>(
  deps: CommandDeps, tenantId: string, actorId: string, command: C,
): Promise<C & { assigneeFindings?: AssigneeFindings }> => {
  const ids = idsNamedIn(givenAssignee(command)).filter((id) => id !== actorId);
  if (ids.length === 0) return command;
  const findings = await Promise.all(ids.map(async (id) => [id, await linkedUserOf(deps, tenantId, id)] as const));
  return { ...command, assigneeFindings: new Map(findings) };
};

/** A valid assignee's people, each with the pointer to where it names them. */
const peopleOf = (assignee: JsonObject): [id: string, pointer: string][] =>
  assignee.type === 'team'
    ? ((assignee.members ?? []) as string[]).map((id, i) => [id, `/assignee/members/${i}`])
    : [[assignee.id as string, '/assignee/id']];

/**
 * Refuses the people of `assignee` that the target's assignee `before` (undefined: a new target)
 * did not count and the findings say may not hold a quota: all those no user of the tenant (422
 * `assignee_not_found`), else all those deactivated or erased (`assignee_not_active`). A person
 * without a finding was not given by the caller (the caller themself), and no findings check nothing.
 */
export const assertAssigneeMayHold = (before: JsonValue | undefined, assignee: JsonObject, findings: AssigneeFindings | undefined): void => {
  if (findings === undefined) return;
  const counted = new Set(isJsonObject(before) ? peopleOf(before).map(([id]) => id) : []);
  const unfit = peopleOf(assignee).flatMap(([id, pointer]) => {
    const finding = findings.get(id);
    const why = counted.has(id) || finding === undefined ? undefined : unfitUser(finding);
    return why ? [{ id, pointer, ...why }] : [];
  });
  const refused = unfit.some((u) => u.reason === 'not_found') ? unfit.filter((u) => u.reason === 'not_found') : unfit;
  if (refused.length === 0) return;
  const errors: FieldError[] = refused.map(({ pointer, detail }) => ({ pointer, message: detail }));
  const ids = refused.map(({ id }) => id);
  throw new RuleViolationError(`assignee_${refused[0]!.reason}`, `assignee ${refused[0]!.detail}`, { field: 'assignee', ids }, errors);
};
