/**
 * The OpenAPI 3.1 document, generated from what the app really mounts (the route inventory) and
 * the JSON Schemas the routes validate with. Every mounted route is a path (documentation assets
 * aside), a route over a closed set of names (the reports) one path per name as well; routes
 * without a described operation get a generic one rather than going missing.
 */
import { OAUTH_PATH } from '../../access/oauth/provider.js';
import { platformOperations, platformSchemas } from './platform.js';
import { accessOperations, accessSchemas } from './access.js';
import { recordOperations, recordSchemas, type DocumentedResource } from './records.js';
import { routeInstances, salesReadOperations } from './sales-reports.js';
import { salesOperations, salesSchemas } from './sales.js';
import { headerParametersOf, problemResponses, responsesOf } from './conventions.js';
import { isPublicRoute, type MountedRoute } from './routes.js';
import { SHARED_SCHEMAS, operation, type Operation } from './shapes.js';

export type DocumentInput = {
  routes: readonly MountedRoute[];
  resources: readonly DocumentedResource[];
  /** The external base URL (`PUBLIC_URL`), also the OAuth issuer. */
  publicUrl: string;
};

const UI_ASSETS = /^\/(docs|redoc)(\/|$)/;
const PARAM = /:(\w+)/g;

/** `/sales/contacts/:id` → `/sales/contacts/{id}`. */
export const openApiPath = (path: string): string => path.replace(PARAM, '{$1}');

const operationId = ({ method, path }: MountedRoute): string =>
  method.toLowerCase() + path.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

/** The path parameters of the route that the operation does not declare yet. */
const pathParameters = (path: string, declared: unknown): object[] => {
  const names = new Set((Array.isArray(declared) ? declared : []).map((p: { name?: string }) => p.name));
  return [...path.matchAll(PARAM)].map((m) => m[1]!).filter((n) => !names.has(n))
    .map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
};

const completed = (route: MountedRoute, known: Operation | undefined): Operation => {
  const base = known ?? operation(`${route.method} ${route.path}`);
  const parameters = [...pathParameters(route.path, base.parameters), ...((base.parameters as object[] | undefined) ?? []), ...headerParametersOf(route, base)];
  return {
    ...base,
    responses: responsesOf(route, base),
    operationId: operationId(route),
    tags: [route.path.split('/').filter((s) => s && !s.startsWith(':')).slice(0, 2).join('/') || 'root'],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(isPublicRoute(route.path) ? { security: [] } : {}),
  };
};

const pathsOf = (input: DocumentInput): Record<string, Record<string, Operation>> => {
  const known: Record<string, Operation> = Object.assign(
    platformOperations(), accessOperations(), salesOperations(), salesReadOperations(), ...input.resources.map(recordOperations),
  );
  const paths: Record<string, Record<string, Operation>> = {};
  for (const route of input.routes.flatMap((r) => [r, ...routeInstances(r)]).filter((r) => !UI_ASSETS.test(r.path))) {
    const item = (paths[openApiPath(route.path)] ??= {});
    item[route.method.toLowerCase()] = completed(route, known[`${route.method} ${route.path}`]);
  }
  return paths;
};

const securitySchemes = (publicUrl: string) => ({
  bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (at+jwt, ES256)' },
  oauth: {
    type: 'oauth2',
    flows: {
      authorizationCode: { authorizationUrl: `${publicUrl}${OAUTH_PATH}/auth`, tokenUrl: `${publicUrl}${OAUTH_PATH}/token`, scopes: {} },
      clientCredentials: { tokenUrl: `${publicUrl}${OAUTH_PATH}/token`, scopes: {} },
    },
  },
});

/** The whole document. */
export const openApiDocument = (input: DocumentInput): object => ({
  openapi: '3.1.0',
  info: {
    title: 'CRM API',
    version: '0.1.0',
    description: 'Multi-tenant CRM. Errors are RFC 9457 problems (`application/problem+json`); writes answer `{ id, revision, position }` with an ETag, '
      + 'creates 201 with a Location. The authenticated API\'s POSTs take an `Idempotency-Key`, reads of a read model a `Consistency-Position`.',
  },
  servers: [{ url: input.publicUrl }],
  security: [{ bearer: [] }, { oauth: [] }],
  paths: pathsOf(input),
  components: {
    schemas: { ...SHARED_SCHEMAS, ...platformSchemas(), ...accessSchemas(), ...salesSchemas(), ...Object.assign({}, ...input.resources.map((r) => recordSchemas(r.kind))) },
    responses: problemResponses(),
    securitySchemes: securitySchemes(input.publicUrl),
  },
});
