/**
 * JSON request bodies: parsed by koa-body under a byte limit (413 naming that limit), refused with
 * 415 when a body comes in a media type that is not JSON (it would otherwise be dropped unread), and refused
 * with 400 when it nests deeper than any request needs (recursive code further on would overflow
 * the stack) or holds text that is not Unicode (a lone surrogate) or a NUL: such text cannot be
 * written to a CSV export or an event faithfully.
 */
import type { Context, Middleware } from 'koa';
import { koaBody } from 'koa-body';
import { AppError, InvalidInputError } from '../errors.js';

export const MAX_BODY_BYTES = 1_048_576;
const MAX_DEPTH = 64;
const NOT_TEXT = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/;

/** Body-parsing failures as typed errors: too large is a 413 naming `limit`, anything else a malformed body (400). */
export const bodyErrorOf = (limit: number) => (error: Error): never => {
  if ((error as { status?: number }).status === 413) {
    throw new AppError('payload_too_large', 413, `The body exceeds ${limit} bytes`);
  }
  throw new InvalidInputError('invalid_json', 'The body is not valid JSON', [{ pointer: '/', message: error.message }]);
};

const pointerOf = (parent: string, key: string): string => `${parent}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/** Throws 400 when `body` nests deeper than 64 levels, or a key or string in it is not Unicode text or holds a NUL. */
export const assertSaneBody = (body: unknown): void => {
  const pending: Array<[unknown, number, string]> = [[body, 0, '']];
  while (pending.length > 0) {
    const [value, depth, pointer] = pending.pop()!;
    if (typeof value === 'string' && NOT_TEXT.test(value)) {
      throw new InvalidInputError('invalid_text', 'Text must be Unicode without NUL characters', [{ pointer: pointer || '/', message: 'a lone surrogate or a NUL' }]);
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_DEPTH) {
      throw new InvalidInputError('body_too_deep', `The body nests deeper than ${MAX_DEPTH} levels`, [{ pointer: pointer || '/', message: 'too deep' }]);
    }
    for (const [key, child] of Object.entries(value)) {
      const at = pointerOf(pointer, key);
      if (NOT_TEXT.test(key)) throw new InvalidInputError('invalid_text', 'Text must be Unicode without NUL characters', [{ pointer: at, message: 'a lone surrogate or a NUL in a name' }]);
      pending.push([child, depth + 1, at]);
    }
  }
};

/** Whether the request carries a body (a non-zero `Content-Length`, or a chunked one). */
const hasBody = (ctx: Context): boolean => (ctx.request.length ?? 0) > 0 || ctx.get('Transfer-Encoding') !== '';

/**
 * Read as JSON: `application/json`, any `+json` type (`merge-patch+json`…), and `text/plain`, which
 * is what `fetch` sends a string as (bearer-token requests are preflighted, so no cross-site form
 * can use it); a body without a media type is read as JSON too.
 */
const JSON_TYPES = ['application/json', '+json', 'text/plain'];

/** The JSON body middleware (see above); `limit` in bytes. */
export const jsonBody = (limit = MAX_BODY_BYTES): Middleware => {
  const parse = koaBody({
    json: true, jsonStrict: true, jsonLimit: limit, jsonTypes: JSON_TYPES, urlencoded: false, text: false, multipart: false, onError: bodyErrorOf(limit),
  });
  return async (ctx, next) => {
    if (hasBody(ctx) && ctx.get('Content-Type') === '') ctx.req.headers['content-type'] = 'application/json';
    if (hasBody(ctx) && !ctx.is(JSON_TYPES)) {
      throw new AppError('unsupported_media_type', 415, 'The body must be JSON (application/json)');
    }
    await parse(ctx, async () => {
      assertSaneBody((ctx.request as { body?: unknown }).body);
      await next();
    });
  };
};
