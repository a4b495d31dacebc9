/**
 * The one error middleware, at the top of the Koa chain: every error becomes RFC 9457
 * `application/problem+json` with a stable `code`, field `errors` (JSON pointers) and the
 * request's correlation id. Unexpected errors answer a bare 500 and are logged with their stack;
 * a typed 5xx (a store unavailable, draining, a consistency timeout) is logged as a warning, without one.
 */
import type { Context, Middleware, Next } from 'koa';
import type { Logger } from 'pino';
import { AppError, type FieldError } from '../errors.js';

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance: string;
  correlationId: string;
  errors?: FieldError[];
  [extra: string]: unknown;
};

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 412: 'Precondition Failed', 413: 'Content Too Large', 415: 'Unsupported Media Type',
  422: 'Unprocessable Content', 429: 'Too Many Requests', 500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
};

const CODES: Record<number, string> = {
  400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed',
  413: 'payload_too_large', 415: 'unsupported_media_type', 429: 'rate_limited',
};

/** http-errors raised by Koa and its middleware (body parsing, allowedMethods…) carry `expose`. */
const isExposedHttpError = (error: unknown): error is { status: number; message: string } =>
  typeof error === 'object' && error !== null && (error as { expose?: unknown }).expose === true &&
  typeof (error as { status?: unknown }).status === 'number';

const problemOf = (error: unknown, ctx: Context): Problem => {
  const base = { instance: ctx.path, correlationId: String(ctx.state.requestId ?? '') };
  if (error instanceof AppError) {
    const { code, status, message, errors, extra } = error;
    const problem = { type: `urn:crm:problem:${code}`, title: TITLES[status] ?? 'Error', status, detail: message, code, ...base };
    return { ...extra, ...problem, ...(errors.length > 0 ? { errors: [...errors] } : {}) };
  }
  const status = isExposedHttpError(error) ? error.status : 500;
  const code = CODES[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
  const detail = status >= 500 ? 'An unexpected error occurred' : (error as Error).message;
  return { type: `urn:crm:problem:${code}`, title: TITLES[status] ?? 'Error', status, detail, code, ...base };
};

/** What the routers left unanswered, as an error: no route (404), or not this method (405 and 501, with the `Allow` they set). */
const unanswered = (ctx: Context): AppError | undefined => {
  if (ctx.body !== undefined && ctx.body !== null) return undefined;
  if (ctx.status === 404) return new AppError('not_found', 404, `No resource at ${ctx.method} ${ctx.path}`);
  if (ctx.status === 405) return new AppError('method_not_allowed', 405, `${ctx.method} is not allowed at ${ctx.path}; see Allow`);
  if (ctx.status === 501) return new AppError('not_implemented', 501, `The method ${ctx.method} is not implemented`);
  return undefined;
};

export const problemMiddleware = (logger: Logger): Middleware => async (ctx: Context, next: Next) => {
  try {
    await next();
    const error = unanswered(ctx);
    if (error) throw error;
  } catch (error) {
    const problem = problemOf(error, ctx);
    if (!(error instanceof AppError) && problem.status >= 500) logger.error({ err: error, requestId: ctx.state.requestId }, 'request failed');
    else if (problem.status >= 500 && problem.status !== 501) logger.warn({ code: problem.code, detail: problem.detail, requestId: ctx.state.requestId }, 'request not served');
    if (problem.status === 503 && problem.retryAfter !== undefined) ctx.set('Retry-After', String(problem.retryAfter));
    if (error instanceof AppError) ctx.set({ ...error.headers });
    ctx.status = problem.status;
    ctx.type = 'application/problem+json';
    ctx.body = problem;
  }
};
