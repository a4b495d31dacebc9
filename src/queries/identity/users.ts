/**
 * Users of a tenant as an admin reads them, folded from their streams `<tenant>/admin.user/<id>`
 * with the email and name decrypted; after the user's erasure they read `null`, listed in
 * `erasedFields`, and the user reads `erased: true` and `deactivated` (the erasure closed the
 * account, outside their stream).
 */
import type { Directory } from '../../access/directory.js';
import { fold } from '../../commands/decider.js';
import { userDecider } from '../../commands/identity/user.js';
import { NotFoundError } from '../../errors.js';
import { USER_AGGREGATE, type UserEvent } from '../../events/identity/user.js';
import type { ReadableEvent } from '../../events/personal-data/read.js';
import { aggregateEvents, occurredAt, type ReadDeps } from '../records.js';
import type { CursorKey } from '../cursor.js';
import { pageById, type IdPage, type IdPageQuery } from './pages.js';

export type UserView = {
  id: string; email: string | null; name: string | null; roles: string[]; status: string; erased: boolean;
  createdAt: string; updatedAt: string; revision: number; erasedFields: string[];
};

const enrolmentOf = (events: readonly ReadableEvent[]): { email?: unknown; name?: unknown } =>
  events.find((e) => e.type === 'UserCreated' || e.type === 'UserInvited')?.data ?? {};

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The user `id` of `tenantId`; 404 when there is none (another tenant's user included). */
export const getUser = async (deps: ReadDeps, tenantId: string, id: string): Promise<UserView> => {
  const events = await aggregateEvents(deps, USER_AGGREGATE, tenantId, id);
  const state = fold(userDecider, events.map((e) => ({ type: e.type, data: e.data }) as UserEvent));
  if (state.status === 'none') throw new NotFoundError('No such user');
  const enrolment = enrolmentOf(events);
  const last = events[events.length - 1]!;
  const erased = deps.keyStore.isErased(tenantId, state.subjectId);
  return {
    id, email: text(enrolment.email), name: text(enrolment.name), roles: state.roles, status: erased ? 'deactivated' : state.status, erased,
    createdAt: occurredAt(events[0]!), updatedAt: occurredAt(last), revision: Number(last.revision),
    erasedFields: [...new Set(events.flatMap((e) => e.erased))],
  };
};

/** A page of the tenant's users by id. */
export const listUsers = (deps: ReadDeps & { directory: Directory; cursorKey: CursorKey }, tenantId: string, query: IdPageQuery): Promise<IdPage<UserView>> =>
  pageById(deps.cursorKey, query, USER_AGGREGATE, tenantId, (after, limit) => deps.directory.userIdsOf(tenantId, after, limit), (id) => getUser(deps, tenantId, id));
