/**
 * Integration clients of a tenant as an admin reads them, folded from their streams
 * `<tenant>/admin.client/<id>`. The secret never enters the log, so it cannot show here.
 */
import type { Directory } from '../../access/directory.js';
import { fold } from '../../commands/decider.js';
import { apiClientDecider } from '../../commands/identity/api-client.js';
import { NotFoundError } from '../../errors.js';
import { API_CLIENT_AGGREGATE, type ApiClientEvent } from '../../events/identity/api-client.js';
import { aggregateEvents, occurredAt, type ReadDeps } from '../records.js';
import type { CursorKey } from '../cursor.js';
import { pageById, type IdPage, type IdPageQuery } from './pages.js';

export type ApiClientView = { id: string; name: string; roles: string[]; status: string; createdAt: string; updatedAt: string; revision: number };

/** The client `id` of `tenantId`; 404 when there is none (another tenant's client included). */
export const getApiClient = async (deps: ReadDeps, tenantId: string, id: string): Promise<ApiClientView> => {
  const events = await aggregateEvents(deps, API_CLIENT_AGGREGATE, tenantId, id);
  const state = fold(apiClientDecider, events.map((e) => ({ type: e.type, data: e.data }) as ApiClientEvent));
  if (state.status === 'none') throw new NotFoundError('No such client');
  const last = events[events.length - 1]!;
  return {
    id, name: state.name, roles: state.roles, status: state.status,
    createdAt: occurredAt(events[0]!), updatedAt: occurredAt(last), revision: Number(last.revision),
  };
};

/** A page of the tenant's integration clients by id. */
export const listApiClients = (deps: ReadDeps & { directory: Directory; cursorKey: CursorKey }, tenantId: string, query: IdPageQuery): Promise<IdPage<ApiClientView>> =>
  pageById(deps.cursorKey, query, API_CLIENT_AGGREGATE, tenantId, (after, limit) => deps.directory.clientIdsOf(tenantId, after, limit), (id) => getApiClient(deps, tenantId, id));
