/**
 * Bearer authentication (RFC 6750): every route after this middleware has `ctx.state.principal`.
 * A missing or invalid token answers 401 with `WWW-Authenticate`.
 */
import type { Middleware } from 'koa';
import type { Principal } from '../access/principal.js';
import { UnauthorizedError } from '../errors.js';

export type Verify = (token: string) => Promise<Principal>;

/** The scheme is case-insensitive (RFC 9110 §11.1). */
const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;

export const authenticate = (verify: Verify): Middleware => async (ctx, next) => {
  const header = ctx.get('Authorization');
  if (header === '') throw new UnauthorizedError('missing_token', 'This endpoint needs a bearer access token');
  const match = BEARER.exec(header);
  if (!match) throw new UnauthorizedError('invalid_token', 'The Authorization header is not a bearer token');
  ctx.state.principal = await verify(match[1]!);
  ctx.set('Cache-Control', 'no-store');
  await next();
};

/** The authenticated principal (set by `authenticate`). */
export const principalOf = (state: { principal?: Principal }): Principal => {
  if (!state.principal) throw new UnauthorizedError('missing_token', 'This endpoint needs a bearer access token');
  return state.principal;
};
