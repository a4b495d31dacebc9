/**
 * The error hierarchy. Every error the system raises on purpose is an `AppError` with a stable
 * `code` (clients and tests rely on it) and an HTTP status; the HTTP layer's one error middleware
 * turns it into RFC 9457 problem+json. Anything else is a bug and answers 500.
 */

/** One field-level problem: a JSON pointer into the request and a message. */
export type FieldError = { pointer: string; message: string };

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly errors: readonly FieldError[];
  readonly extra: Readonly<Record<string, unknown>>;
  /** Response headers the answer must carry (`WWW-Authenticate`, `Retry-After`…). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: string,
    status: number,
    message: string,
    options: { errors?: FieldError[]; extra?: Record<string, unknown>; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.errors = options.errors ?? [];
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }
}

/** 401: no valid credentials; `WWW-Authenticate` says why (RFC 6750). */
export class UnauthorizedError extends AppError {
  constructor(code: string, message: string) {
    const error = code === 'missing_token' ? '' : `, error="invalid_token", error_description="${message.replace(/"/g, "'")}"`;
    super(code, 401, message, { headers: { 'WWW-Authenticate': `Bearer realm="crm"${error}` } });
  }
}

/** 403: authenticated, but the policy refuses this action. */
export class ForbiddenError extends AppError {
  constructor(code: string, message: string, extra?: Record<string, unknown>) {
    super(code, 403, message, { extra });
  }
}

/** 400: the request (or a call into a port) is malformed. */
export class InvalidInputError extends AppError {
  constructor(code: string, message: string, errors: FieldError[] = [], extra?: Record<string, unknown>) {
    super(code, 400, message, { errors, extra });
  }
}

/** 422: well-formed input that breaks a rule; `errors` point at the fields that break it. */
export class RuleViolationError extends AppError {
  constructor(code: string, message: string, extra?: Record<string, unknown>, errors?: FieldError[]) {
    super(code, 422, message, { extra, errors });
  }
}

/** 409: the request conflicts with the current state. */
export class ConflictError extends AppError {
  constructor(code: string, message: string, extra?: Record<string, unknown>) {
    super(code, 409, message, { extra });
  }
}

/** 412: the client's `If-Match` names a revision the record is no longer at. */
export class PreconditionFailedError extends AppError {
  constructor(message: string, extra?: Record<string, unknown>) {
    super('precondition_failed', 412, message, { extra });
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found', extra?: Record<string, unknown>) {
    super('not_found', 404, message, { extra });
  }
}

/** 429: the caller sent too many requests; `Retry-After` says in how many seconds to try again. */
export class RateLimitedError extends AppError {
  constructor(message: string, retryAfterSeconds: number) {
    super('rate_limited', 429, message, { extra: { retryAfter: retryAfterSeconds }, headers: { 'Retry-After': String(retryAfterSeconds) } });
  }
}

/** 503: a dependency is not available right now; the client may retry. */
export class UnavailableError extends AppError {
  constructor(code: string, message: string, extra?: Record<string, unknown>) {
    super(code, 503, message, { extra });
  }
}

/** A bad configuration value: the process refuses to start and names every bad variable. */
export class ConfigError extends AppError {
  constructor(problems: FieldError[]) {
    const lines = problems.map((p) => `  ${p.pointer}: ${p.message}`).join('\n');
    super('invalid_configuration', 500, `Invalid configuration:\n${lines}`, { errors: problems });
  }
}
