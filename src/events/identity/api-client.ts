/**
 * An integration client of one tenant (OAuth client credentials), as the stream
 * `<tenant>/admin.client/<clientId>`. Its secret never enters the log: only its hash, in `identity.db`.
 */
import { unreachable } from '../../commands/decider.js';
import type { DeclaredClassification } from '../classification.js';

export const API_CLIENT_AGGREGATE = 'admin.client';

export type ApiClientEvent =
  | { type: 'ApiClientRegistered'; data: { clientId: string; name: string; roles: string[]; registeredAt: string } }
  | { type: 'ApiClientRevoked'; data: { reason: string; revokedAt: string } };

type Profile = { clientId: string; name: string; roles: string[] };

export type ApiClientState = { status: 'none' } | ({ status: 'active' } & Profile) | ({ status: 'revoked' } & Profile);

export const initialApiClientState = (): ApiClientState => ({ status: 'none' });

export const evolveApiClient = (state: ApiClientState, event: ApiClientEvent): ApiClientState => {
  switch (event.type) {
    case 'ApiClientRegistered': {
      const { clientId, name, roles } = event.data;
      return { status: 'active', clientId, name, roles };
    }
    case 'ApiClientRevoked':
      return state.status === 'none' ? state : { ...state, status: 'revoked' };
    default:
      return unreachable(event);
  }
};

/** A client's fields as an admin reads them, and the hash of its secret kept in `identity.db` (never logged nor answered). */
export const API_CLIENT_CLASSIFICATION: DeclaredClassification = {
  recordType: API_CLIENT_AGGREGATE,
  classes: {
    id: 'internal', status: 'internal', revision: 'internal', createdAt: 'internal', updatedAt: 'internal',
    name: 'internal', roles: 'internal', secretHash: 'confidential',
  },
  encrypted: [],
};
