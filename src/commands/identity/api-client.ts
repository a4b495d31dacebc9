/** Integration clients of a tenant: register (with roles), revoke. */
import { ConflictError, RuleViolationError } from '../../errors.js';
import {
  API_CLIENT_AGGREGATE,
  evolveApiClient,
  initialApiClientState,
  type ApiClientEvent,
  type ApiClientState,
} from '../../events/identity/api-client.js';
import { hasText } from '../../events/catalogue.js';
import { unreachable, type Decider } from '../decider.js';
import { existing } from './existing.js';
import type { Aggregate } from '../handle.js';

export type ApiClientCommand =
  | { type: 'RegisterApiClient'; clientId: string; name: string; roles: string[]; at: string }
  | { type: 'RevokeApiClient'; reason: string; at: string };

const decide = (command: ApiClientCommand, state: ApiClientState): ApiClientEvent[] => {
  switch (command.type) {
    case 'RegisterApiClient': {
      if (state.status !== 'none') throw new ConflictError('client_exists', 'This client exists');
      if (command.roles.includes('platform_admin')) throw new RuleViolationError('role_not_allowed', 'An integration client cannot be a platform admin');
      const { clientId, name, roles, at } = command;
      return [{ type: 'ApiClientRegistered', data: { clientId, name, roles, registeredAt: at } }];
    }
    case 'RevokeApiClient':
      if (!hasText(command.reason)) throw new RuleViolationError('reason_required', 'Revoking a client needs a reason');
      return existing(state, 'client').status === 'revoked' ? [] : [{ type: 'ApiClientRevoked', data: { reason: command.reason, revokedAt: command.at } }];
    default:
      return unreachable(command);
  }
};

export const apiClientDecider: Decider<ApiClientCommand, ApiClientEvent, ApiClientState> = {
  initialState: initialApiClientState,
  evolve: evolveApiClient,
  decide,
};

export const apiClientAggregate: Aggregate<ApiClientCommand, ApiClientEvent, ApiClientState> = {
  type: API_CLIENT_AGGREGATE,
  decider: apiClientDecider,
};
