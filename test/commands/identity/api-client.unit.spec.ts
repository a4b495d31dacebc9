import { apiClientDecider } from '../../../src/commands/identity/api-client.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(apiClientDecider);
const at = '2026-11-23T10:00:00.000Z';
const register = { type: 'RegisterApiClient' as const, clientId: 'c1', name: 'ERP', roles: ['sales_rep'], at };
const registered = { type: 'ApiClientRegistered' as const, data: { clientId: 'c1', name: 'ERP', roles: ['sales_rep'], registeredAt: at } };

describe('the API client decider', () => {
  it('RegisterApiClient records ApiClientRegistered', () => given().when(register).then(registered));

  it('refuses platform_admin for a client (422) and a second registration (409)', () => {
    given().when({ ...register, roles: ['platform_admin'] }).thenFails('role_not_allowed');
    given(registered).when(register).thenFails('client_exists');
  });

  it('RevokeApiClient records ApiClientRevoked once, and 404 for an unknown client', () => {
    const revoked = { type: 'ApiClientRevoked' as const, data: { reason: 'replaced', revokedAt: at } };
    given(registered).when({ type: 'RevokeApiClient', reason: 'replaced', at }).then(revoked);
    given(registered, revoked).when({ type: 'RevokeApiClient', reason: 'again', at }).then();
    given().when({ type: 'RevokeApiClient', reason: 'x', at }).thenFails('not_found');
  });

  it('refuses a revocation reason of whitespace only (422 reason_required)', () => given(registered).when({ type: 'RevokeApiClient', reason: ' \t ', at }).thenFails('reason_required'));
});
