/**
 * One middleware for many routers. Chaining `router.routes()` and `router.allowedMethods()` for
 * every router makes each request test every route of every router (and the API has a few hundred);
 * here each request runs only the routers that have a route under its first two path segments, in
 * the order given, exactly as the chain would have run them.
 */
import compose from 'koa-compose';
import type { AllowedMethodsOptions, default as Router } from '@koa/router';
import type { Middleware } from 'koa';

/** The dispatching middleware; `routers` is the route inventory (see `openapi/routes.ts`). */
export type Dispatch = Middleware & { routers: readonly Router[] };

const SPECIAL = /[:*(){}?+\\]/;

/** The leading segments of a route path with no parameter or pattern in them, lowercased (routes match case-insensitively). */
const staticSegments = (path: string): string[] => {
  if (!path.startsWith('/')) return [];
  const segments = path.slice(1).toLowerCase().split('/');
  const end = segments.findIndex((segment) => segment === '' || SPECIAL.test(segment));
  return end === -1 ? segments : segments.slice(0, end);
};

/** The keys a router's routes can match under: `a/b` (two static segments), `a` (one), `` (any path, a pattern too). */
const keysOf = (router: Router): Set<string> =>
  new Set(router.stack.filter((layer) => layer.methods.length > 0)
    .map((layer) => (typeof layer.path === 'string' ? staticSegments(layer.path).slice(0, 2).join('/') : '')));

/** The request's two first segments, as `keysOf` names them. */
const requestKeys = (path: string): [string, string] => {
  const lower = path.toLowerCase();
  const second = lower.indexOf('/', 1);
  if (second === -1) return [lower.slice(1), ''];
  const third = lower.indexOf('/', second + 1);
  return [lower.slice(1, second), lower.slice(1, third === -1 ? undefined : third)];
};

/**
 * Dispatches each request to the routers (in order) whose routes could match it; `allowed` are the
 * options of every `allowedMethods` (by default it answers 405 and 501 with `Allow` and no body, which
 * the problem middleware words; thrown, they would lose `Allow`).
 */
export const dispatch = (routers: readonly Router[], allowed: AllowedMethodsOptions = {}): Dispatch => {
  const keyed = routers.map((router) => ({ router, keys: keysOf(router), chain: [router.routes(), router.allowedMethods(allowed)] as Middleware[] }));
  const chainOf = (accepts: (keys: Set<string>) => boolean): Middleware => compose<Parameters<Middleware>[0]>(keyed.filter(({ keys }) => keys.has('') || accepts(keys)).flatMap((k) => k.chain));
  const all = [...new Set(keyed.flatMap(({ keys }) => [...keys]))];
  const byOne = new Map(all.filter((key) => !key.includes('/')).map((one) => [one, chainOf((keys) => keys.has(one))]));
  const byTwo = new Map(all.filter((key) => key.includes('/')).map((two) => {
    const one = two.slice(0, two.indexOf('/'));
    return [two, chainOf((keys) => keys.has(two) || keys.has(one))];
  }));
  const anywhere = chainOf(() => false);
  const middleware: Middleware = (ctx, next) => {
    const [one, two] = requestKeys(ctx.path);
    return (byTwo.get(two) ?? byOne.get(one) ?? anywhere)(ctx, next);
  };
  return Object.assign(middleware, { routers });
};
