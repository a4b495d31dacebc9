/**
 * Refuses valid tokens of users whose organization is suspended (403 `organization_suspended`) or
 * who were deactivated (403 `user_deactivated`), and of revoked integration clients (403
 * `client_revoked`): a token outlives such a change by up to its expiry.
 */
import type { Middleware } from 'koa';
import type { Directory } from '../../access/directory.js';
import { ForbiddenError } from '../../errors.js';
import { principalOf } from '../authenticate.js';

export const accountGate = (directory: Directory): Middleware => async (ctx, next) => {
  const { tenantId, actorId } = principalOf(ctx.state);
  if (directory.tenant(tenantId)?.status === 'suspended') {
    throw new ForbiddenError('organization_suspended', 'Your organization is suspended', { tenantId });
  }
  if (directory.userById(actorId)?.status === 'deactivated') throw new ForbiddenError('user_deactivated', 'Your account is deactivated');
  if (directory.client(actorId)?.status === 'revoked') throw new ForbiddenError('client_revoked', 'This client has been revoked');
  await next();
};
