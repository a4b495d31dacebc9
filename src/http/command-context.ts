/** What a route knows about the command it sends: who, on whose behalf, which request, when. */
import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import { NO_REVISION, type CommandContext } from '../commands/handle.js';
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

/** One element of an `If-Match` list: an entity-tag, or nothing (empty elements are ignored, RFC 9110 §5.6.1). */
const ELEMENT = /\s*(?:(W\/)?"([\x21\x23-\x7e\x80-\xff]*)")?\s*(?:,|$)/y;
const REVISION = /^(?:0|[1-9]\d{0,14})$/;

type EntityTag = { weak: boolean; tag: string };

/** The entity-tags of a list, or undefined when it is malformed. */
const entityTagsOf = (header: string): EntityTag[] | undefined => {
  const tags: EntityTag[] = [];
  ELEMENT.lastIndex = 0;
  while (ELEMENT.lastIndex < header.length) {
    const match = ELEMENT.exec(header);
    if (!match || match[0] === '') return undefined;
    if (match[2] !== undefined) tags.push({ weak: match[1] !== undefined, tag: match[2] });
  }
  return tags;
};

/**
 * `If-Match` (RFC 9110 §13.1.1) → the revision it requires: absent or `*` → none; `"3"` (the
 * ETag of a read) → 3n. A well-formed tag that is none of ours (a weak one never matches, `"01"`
 * is not `"1"`) is `NO_REVISION`: a 412 once the record is found; a list may hold one revision of
 * ours at most; bad syntax is a 400.
 * A bare `3` is taken as `"3"` (lenient, as before).
 */
export const ifMatchOf = (ctx: Context): bigint | undefined => {
  const header = ctx.get('If-Match').trim();
  if (header === '' || header === '*') return undefined;
  if (REVISION.test(header)) return BigInt(header);
  const tags = entityTagsOf(header);
  if (!tags || tags.length === 0) throw new InvalidInputError('invalid_if_match', 'If-Match must be an ETag of this API, e.g. "3"');
  const revisions = tags.filter((t) => !t.weak && REVISION.test(t.tag)).map((t) => BigInt(t.tag));
  if (revisions.length > 1) throw new InvalidInputError('invalid_if_match', 'If-Match may name one revision of the record');
  return revisions[0] ?? NO_REVISION;
};

/**
 * `If-None-Match: *` (RFC 9110 §13.1.2) on a write → `no_stream`: it applies only while the record
 * has no event yet, so two first writes cannot overwrite each other (there is no ETag to send as
 * `If-Match` before the first). Otherwise the `If-Match` revision. Only `*` is taken (a write has no
 * use for "not at revision 3"); with `If-Match` too it could never hold: both are a 400.
 */
export const ifMatchOrNoneOf = (ctx: Context): bigint | 'no_stream' | undefined => {
  const header = ctx.get('If-None-Match').trim();
  if (header === '') return ifMatchOf(ctx);
  if (header !== '*') throw new InvalidInputError('invalid_if_none_match', 'If-None-Match takes * only (the record must not exist yet)');
  if (ctx.get('If-Match').trim() !== '') {
    throw new InvalidInputError('invalid_if_none_match', 'If-None-Match: * (no record yet) and If-Match (a record at a revision) never both hold: send one');
  }
  return 'no_stream';
};

/** Answers a command's result: the id, revision and position, and the ETag of the new revision. */
export const answerWrite = (ctx: Context, status: number, result: { id: string; revision: bigint; position: bigint }): void => {
  ctx.status = status;
  ctx.set('ETag', `"${result.revision}"`);
  ctx.body = { id: result.id, revision: Number(result.revision), position: Number(result.position) };
};
