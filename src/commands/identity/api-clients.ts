/**
 * Integration clients as a tenant admin manages them: each change through the command handler,
 * then the directory (the secret's hash, the roles, the status) follows. The secret is answered
 * once, at registration; only its hash is kept.
 */
import { newClientSecret } from '../../access/oauth/integration-clients.js';
import { NotFoundError } from '../../errors.js';
import { recordIdFor } from '../event-ids.js';
import { handleCommand, type CommandContext, type CommandResult } from '../handle.js';
import type { AccountDeps } from './accounts.js';
import { apiClientAggregate } from './api-client.js';

export type NewApiClient = { name: string; roles: string[] };

/** Registers a client of the context's tenant; answers its id and (once) its secret. */
export const registerApiClient = async (deps: AccountDeps, input: NewApiClient, context: CommandContext) => {
  const clientId = recordIdFor(context.commandId);
  const { secret, hash } = newClientSecret();
  const command = { type: 'RegisterApiClient' as const, clientId, name: input.name, roles: input.roles, at: context.now.toISOString() };
  const result = await handleCommand(deps, apiClientAggregate, { id: clientId, command, context });
  deps.directory.putClient({ clientId, tenantId: context.tenantId, secretHash: hash, roles: input.roles, status: 'active' });
  return { ...result, clientSecret: secret };
};

/** Revokes a client of the context's tenant: no new tokens, and its current ones are refused. */
export const revokeApiClient = async (deps: AccountDeps, clientId: string, reason: string, context: CommandContext): Promise<CommandResult> => {
  const entry = deps.directory.client(clientId);
  if (!entry || entry.tenantId !== context.tenantId) throw new NotFoundError('No such client');
  const command = { type: 'RevokeApiClient' as const, reason, at: context.now.toISOString() };
  const result = await handleCommand(deps, apiClientAggregate, { id: clientId, command, context });
  deps.directory.putClient({ ...entry, status: 'revoked' });
  return result;
};
