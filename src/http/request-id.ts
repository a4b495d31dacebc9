import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';

const ACCEPTABLE = /^[A-Za-z0-9._-]{8,128}$/;

/** Takes the caller's `X-Request-Id` when it is well formed, else mints one; echoes it back. */
export const requestId = (): Middleware => async (ctx, next) => {
  const given = ctx.get('X-Request-Id');
  ctx.state.requestId = ACCEPTABLE.test(given) ? given : randomUUID();
  ctx.set('X-Request-Id', ctx.state.requestId);
  await next();
};
