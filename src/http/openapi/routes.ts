/**
 * The route inventory: every route a Koa app mounts, read from its routers' stacks. The OpenAPI
 * document and the authentication inventory test both start from it, so neither can miss a route.
 */
import type Router from '@koa/router';
import type Koa from 'koa';

export type MountedRoute = { method: string; path: string };

/** The routers an app mounts: each `router.routes()` middleware carries its router, a `dispatch` its routers. */
export const mountedRouters = (app: Koa): Router[] =>
  app.middleware.flatMap((middleware) => {
    const { router, routers } = middleware as { router?: Router; routers?: readonly Router[] };
    return routers ? [...routers] : router ? [router] : [];
  });

/** Every method and path of the routers (a nested router's layers are copied into its parent, prefixed). */
export const routesOf = (routers: readonly Router[]): MountedRoute[] => {
  const seen = new Map<string, MountedRoute>();
  for (const layer of routers.flatMap((router) => router.stack)) {
    if (typeof layer.path !== 'string') continue;
    for (const method of layer.methods.filter((m) => m !== 'HEAD')) seen.set(`${method} ${layer.path}`, { method, path: layer.path });
  }
  return [...seen.values()];
};

/**
 * The routes served without an access token, each with a reason: health checks, the OAuth
 * authorization server (metadata, JWKS, its endpoints and the sign-in form), the API's
 * documentation, `/metrics` (which has a guard of its own), and `/api/public/` (invitation and reset
 * links, whose single-use token is the credential; web-form lead capture, guarded by its form key,
 * a rate limit and a spam trap).
 */
export const PUBLIC_ROUTES: readonly RegExp[] = [
  /^\/health\//,
  /^\/\.well-known\//,
  /^\/oauth\//,
  /^\/openapi\.json$/,
  /^\/docs(\/|$)/,
  /^\/redoc(\/|$)/,
  /^\/metrics$/,
  /^\/api\/public\//,
];

export const isPublicRoute = (path: string): boolean => PUBLIC_ROUTES.some((pattern) => pattern.test(path));
