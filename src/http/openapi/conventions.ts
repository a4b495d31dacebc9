/**
 * The API's conventions (README, "HTTP API"), documented on every operation they apply to, from
 * its route: the problems it may answer (by reference to `components.responses`), the request
 * headers it honours (`Idempotency-Key` on the authenticated API's POSTs; `Consistency-Position`
 * on the reads of a read model, added by their builders), the `ETag` of write answers, and the
 * filter language of lists.
 */
import { FILTER_LIMITS, OPERATORS } from '../../queries/filter.js';
import { isPublicRoute, type MountedRoute } from './routes.js';
import { ETAG_HEADER, PROBLEM_RESPONSES, problemRef, withHeaders, type Operation, type ProblemResponse, type Schema } from './shapes.js';

/** The API proper: its routes answer problems for bad input; `/api/public/` ones take no token. */
const API = /^\/(sales|api)\//;
const PATH_PARAM = /:\w+/;

const STATUS: Record<ProblemResponse, number> = {
  BadRequest: 400, Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409, PreconditionFailed: 412, UnprocessableContent: 422, TooManyRequests: 429,
};

/** `Idempotency-Key` (`idempotency.ts`): honoured on every POST of the authenticated API but a CSV upload's. */
export const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', pattern: '^[!-~]{1,255}$' },
  description: 'Makes a retry safe. The first answer to (organization, client, user, key) is stored for 24 h and answered again to a retry '
    + 'by that caller (with `Idempotent-Replayed: true`); another caller sending the same key runs its own request. The same key with another '
    + 'request (method, path or body) is a 422 `idempotency_key_reused`; while the first request still runs, a 409 `idempotency_in_progress` '
    + 'with `Retry-After`. A problem answer is not stored (its retry runs afresh); a secret shown once is replayed as `null`. '
    + '1 to 255 visible ASCII characters (else a 400 `invalid_idempotency_key`).',
};

/** `Consistency-Position` (`read-model.ts`): read-your-writes on a read of a read model. */
export const CONSISTENCY_POSITION = {
  name: 'Consistency-Position', in: 'header', required: false, schema: { type: 'string', pattern: '^[0-9]{1,18}$' },
  description: 'Read-your-writes: the `position` a write answered. The read waits until the read model it reads has applied the log that far, '
    + 'at most 5 s, then answers 503 `consistency_timeout` with `Retry-After`. Not a position: a 400 `invalid_consistency_position`.',
};

/** The `filter` of lists, in the grammar of `src/queries/filter.ts`. */
export const FILTER_DESCRIPTION = 'One condition `field[operator]:value`, or conditions combined with `and(…)` and `or(…)` (separated by commas '
  + `inside them) and negated with \`not(…)\`, nested at most ${FILTER_LIMITS.depth} levels, e.g. \`and(status[eq]:"active",createdAt[gte]:"2026-01-01")\`. `
  + `Operators: ${OPERATORS.join(', ')} (\`in\` takes a JSON array of values, \`is\` takes \`null\` or \`not_null\`). Values are JSON: strings (dates and `
  + 'times too) in double quotes, numbers, `true`, `false`. At most '
  + `${FILTER_LIMITS.length} characters and ${FILTER_LIMITS.comparisons} conditions; a malformed filter is a 400 \`invalid_filter\` naming the position.`;

/** The problem answers of a route's operation, besides `default`. */
export const problemsOf = (route: MountedRoute, operation: Operation): ProblemResponse[] => {
  const api = API.test(route.path);
  const authenticated = api && !isPublicRoute(route.path);
  const write = api && route.method !== 'GET';
  const conditional = ((operation.parameters as Array<{ name?: string }> | undefined) ?? []).some((p) => p.name === 'If-Match');
  const names: Array<ProblemResponse | false> = [
    api && 'BadRequest',
    authenticated && 'Unauthorized',
    authenticated && 'Forbidden',
    api && PATH_PARAM.test(route.path) && 'NotFound',
    write && 'Conflict',
    conditional && 'PreconditionFailed',
    write && 'UnprocessableContent',
    'TooManyRequests',
  ];
  return names.filter((name): name is ProblemResponse => name !== false);
};

/** The components the problem answers reference. */
export const problemResponses = (): Record<string, unknown> => ({ ...PROBLEM_RESPONSES });

const WRITE_RESULT = '#/components/schemas/WriteResult';

/** A command's answer (`answerWrite`) carries the `ETag` of the revision written. */
const isWriteAnswer = (status: string, answer: unknown): boolean => {
  const schema = (answer as { content?: Record<string, { schema?: Schema }> }).content?.['application/json']?.schema;
  return /^2\d\d$/.test(status) && schema?.$ref === WRITE_RESULT;
};

/** The operation's answers with the `ETag` of writes, then its problems by status, then `default`. */
export const responsesOf = (route: MountedRoute, operation: Operation): Record<string, unknown> => {
  const { default: fallback, ...answers } = operation.responses;
  const tagged = Object.fromEntries(Object.entries(answers).map(([status, answer]) =>
    [status, isWriteAnswer(status, answer) ? withHeaders(answer as Record<string, unknown>, { ETag: ETAG_HEADER }) : answer]));
  const problems = Object.fromEntries(problemsOf(route, operation).filter((name) => !(String(STATUS[name]) in tagged)).map((name) => [STATUS[name], problemRef(name)]));
  return { ...tagged, ...problems, ...(fallback ? { default: fallback } : {}) };
};

/** Whether the request body is only a CSV upload (its rows are idempotent by content: the key is not read). */
const csvOnly = (operation: Operation): boolean => {
  const content = (operation.requestBody as { content?: Record<string, unknown> } | undefined)?.content;
  return content !== undefined && Object.keys(content).every((type) => type === 'text/csv');
};

/** The request headers the API honours on the route, beyond those its operation declares. */
export const headerParametersOf = (route: MountedRoute, operation: Operation): object[] => {
  const declared = new Set(((operation.parameters as Array<{ name?: string }> | undefined) ?? []).map((p) => p.name));
  const idempotent = route.method === 'POST' && API.test(route.path) && !isPublicRoute(route.path) && !csvOnly(operation);
  return idempotent && !declared.has(IDEMPOTENCY_KEY.name) ? [IDEMPOTENCY_KEY] : [];
};
