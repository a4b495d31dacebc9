/** What a route knows about the command it sends: who, on whose behalf, which request, when. */
import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import type { CommandContext } from '../commands/handle.js';
import { InvalidInputError } from '../errors.js';
import { principalOf } from './authenticate.js';

export type Clock = () => Date;

/** The command context of this request; `commandId` comes from the Idempotency-Key when there is one. */
export const commandContext = (ctx: Context, clock: Clock): CommandContext => {
  const principal = principalOf(ctx.state);
  const requestId = String(ctx.state.requestId);
  return {
    tenantId: principal.tenantId,
    actorId: principal.actorId,
    commandId: typeof ctx.state.commandId === 'string' ? ctx.state.commandId : randomUUID(),
    correlationId: requestId,
    requestId,
    now: clock(),
  };
};

/** `If-Match: "3"` (the ETag of a read) → 3n; absent or `*` → no precondition; anything else is a 400. */
export const ifMatchOf = (ctx: Context): bigint | undefined => {
  const header = ctx.get('If-Match').trim();
  if (header === '' || header === '*') return undefined;
  const match = /^"(\d{1,15})"$|^(\d{1,15})$/.exec(header);
  if (!match) throw new InvalidInputError('invalid_if_match', 'If-Match must be an ETag of this API, e.g. "3"');
  return BigInt(match[1] ?? match[2]!);
};

/** Answers a command's result: the id, revision and position, and the ETag of the new revision. */
export const answerWrite = (ctx: Context, status: number, result: { id: string; revision: bigint; position: bigint }): void => {
  ctx.status = status;
  ctx.set('ETag', `"${result.revision}"`);
  ctx.body = { id: result.id, revision: Number(result.revision), position: Number(result.position) };
};
