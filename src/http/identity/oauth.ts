/**
 * The authorization server in the Koa app: `/oauth/*` is handed to oidc-provider (its own Koa
 * app, mounted at `/oauth`), `/.well-known/oauth-authorization-server` answers its RFC 8414
 * metadata, and `/oauth/interaction/:uid` is our login form (CSRF: a double-submit token in a
 * strict same-site cookie, besides the provider's own interaction cookie).
 */
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { koaBody } from 'koa-body';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type Provider from 'oidc-provider';
import { checkCredentials, LoginRefused, type LoginDeps } from '../../access/login.js';
import { withPresentedClient } from '../../access/oauth/integration-clients.js';
import { API_SCOPE, OAUTH_PATH } from '../../access/oauth/provider.js';
import { AppError, ForbiddenError } from '../../errors.js';
import { loginPage } from '../../access/oauth/pages.js';

export type OAuthRouteDeps = {
  /** The provider signing with the current key (see `openIdentity`), asked for at every request. */
  provider: () => Provider;
  /** `PUBLIC_URL`: the origin of every URL the provider emits. */
  publicUrl: string;
  login: LoginDeps;
  /** Every published signing key: `/oauth/jwks` serves these (the provider itself knows only the current one). */
  jwks: () => object;
};

const METADATA_PATH = '/.well-known/oauth-authorization-server';
const CSRF_COOKIE = 'crm_csrf';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

const hostnameOf = (host: string): string | undefined => {
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return undefined;
  }
};

/**
 * Pins the origin the provider builds its URLs from (metadata, the sign-in's resume redirect, the
 * logout form) to PUBLIC_URL's, whatever Host or X-Forwarded-* the request names: the provider
 * trusts X-Forwarded-Host/Proto/For (`proxy`), and they are set here only (this app trusts none).
 * A loopback PUBLIC_URL (development; the default) keeps the loopback Host the browser used, as
 * the provider's cookies belong to that host name and port.
 */
const pinOrigin = (publicUrl: string): Middleware => {
  const pinned = new URL(publicUrl);
  const local = LOOPBACK.has(pinned.hostname);
  return async (ctx, next) => {
    if (ctx.path === METADATA_PATH || ctx.path.toLowerCase().startsWith(`${OAUTH_PATH}/`)) {
      const keep = local && LOOPBACK.has(hostnameOf(ctx.host) ?? '');
      const [host, proto] = keep ? [ctx.host, 'http'] : [pinned.host, pinned.protocol.slice(0, -1)];
      Object.assign(ctx.req.headers, { 'x-forwarded-host': host, 'x-forwarded-proto': proto, 'x-forwarded-for': ctx.ip });
    }
    await next();
  };
};

/** An authorization request that names no scope asks for the API's (OAuth makes `scope` optional). */
const withDefaultScope = (inner: string, querystring: string): string => {
  const query = new URLSearchParams(querystring);
  if (inner === '/auth' && !query.has('scope')) query.set('scope', API_SCOPE);
  const text = query.toString();
  return text ? `?${text}` : '';
};

/**
 * The provider's endpoints this configuration enables, with their methods (preflights aside):
 * anything else under `/oauth` is our 404 or 405 problem, where the provider would answer plain text.
 */
const PROVIDER_ENDPOINTS: ReadonlyArray<[RegExp, readonly string[]]> = [
  [/^\/auth(?:\/[^/]+)?\/?$/i, ['GET']],
  [/^\/(?:token|token\/revocation|request)\/?$/i, ['POST']],
  [/^\/session\/end\/?$/i, ['GET']],
  [/^\/session\/end\/confirm\/?$/i, ['POST']],
  [/^\/session\/end\/success\/?$/i, ['GET']],
  [/^\/jwks\/?$/i, ['GET']],
  [/^\/\.well-known\/(?:openid-configuration|oauth-authorization-server)$/, ['GET']],
];

/**
 * The provider's endpoints open to any origin (as `/.well-known/jwks.json` is). The others take
 * the origins of CRM_CORS_ORIGINS, whose preflights the edge answers, and the issuer's own.
 */
const OPEN_TO_ANY_ORIGIN = /^\/(?:jwks|\.well-known\/[^/]+)\/?$/i;

/** Throws the problem of a request no enabled endpoint of the provider serves. */
const assertServed = (inner: string, method: string, path: string): void => {
  const methods = PROVIDER_ENDPOINTS.find(([pattern]) => pattern.test(inner))?.[1];
  if (!methods) throw new AppError('not_found', 404, `No resource at ${method} ${path}`);
  if (method !== 'OPTIONS' && !methods.includes(method) && !(method === 'HEAD' && methods.includes('GET'))) {
    throw new AppError('method_not_allowed', 405, `${method} is not allowed at ${path}; see Allow`, { headers: { Allow: methods.join(', ') } });
  }
};

/** Hands the request to the provider as if it were mounted at `/oauth` (it builds its URLs from that). */
const mountProvider = ({ provider, jwks }: OAuthRouteDeps): Middleware => {
  const handlers = new WeakMap<Provider, ReturnType<Provider['callback']>>();
  const handlerOf = (current: Provider) => handlers.get(current) ?? handlers.set(current, current.callback()).get(current)!;
  return async (ctx, next) => {
    if (ctx.path === `${OAUTH_PATH}/jwks` && ctx.method === 'GET') return void (ctx.set('Access-Control-Allow-Origin', '*'), (ctx.body = jwks()));
    const inner = ctx.path === METADATA_PATH ? '/.well-known/openid-configuration'
      : ctx.path.startsWith(`${OAUTH_PATH}/`) ? ctx.path.slice(OAUTH_PATH.length) : undefined;
    if (inner === undefined) return next();
    assertServed(inner, ctx.method, ctx.path);
    // A preflight the edge's allow-list did not answer: no CORS header, so the browser refuses (the provider would echo any origin).
    if (ctx.method === 'OPTIONS' && !OPEN_TO_ANY_ORIGIN.test(inner)) return void (ctx.status = 204);
    const search = withDefaultScope(inner, ctx.querystring);
    Object.assign(ctx.req, { originalUrl: `${OAUTH_PATH}${inner}${search}` });
    ctx.req.url = `${inner}${search}`;
    ctx.respond = false;
    const handle = handlerOf(provider());
    await withPresentedClient(ctx.get('Authorization') || undefined, () => handle(ctx.req, ctx.res));
  };
};

const interactionOf = async (provider: Provider, ctx: Context) => {
  try {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid === ctx.params.uid) return details;
  } catch {
    // reported below: the interaction expired or its cookie is missing
  }
  throw new AppError('interaction_expired', 400, 'This sign-in request has expired; start again from the application');
};

const render = (ctx: Context, csrf: string, extra: { email?: string; error?: string } = {}): void => {
  const uid = ctx.params.uid!;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = loginPage({ action: `${OAUTH_PATH}/interaction/${uid}/login`, uid, csrf, ...extra });
};

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;
type MissingScopes = { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };

/**
 * `crm-web` is the only client that signs users in, and it is first-party: a consent prompt (an
 * OpenID scope its grant lacks, e.g. `openid`) is granted without a screen.
 */
const grantConsent = async (provider: Provider, ctx: Context, interaction: Interaction): Promise<void> => {
  const { prompt, params, session, grantId } = interaction;
  const grant = (grantId ? await provider.Grant.find(grantId) : undefined)
    ?? new provider.Grant({ accountId: session!.accountId, clientId: String(params.client_id) });
  const missing = prompt.details as MissingScopes;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
  const consent = { grantId: await grant.save() };
  await provider.interactionFinished(ctx.req, ctx.res, { consent }, { mergeWithLastSubmission: true });
  ctx.respond = false;
};

const showForm = (deps: OAuthRouteDeps) => async (ctx: Context) => {
  const provider = deps.provider();
  const interaction = await interactionOf(provider, ctx);
  if (interaction.prompt.name === 'consent' && interaction.session?.accountId) return grantConsent(provider, ctx, interaction);
  const csrf = randomBytes(24).toString('base64url');
  ctx.cookies.set(CSRF_COOKIE, csrf, { httpOnly: true, sameSite: 'strict', path: `${OAUTH_PATH}/interaction/${ctx.params.uid}`, overwrite: true });
  render(ctx, csrf);
};

const field = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.slice(0, 1024) : '';
};

const checkCsrf = (ctx: Context, sent: string): void => {
  const expected = Buffer.from(ctx.cookies.get(CSRF_COOKIE) ?? '');
  const given = Buffer.from(sent);
  if (expected.length === 0 || expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new ForbiddenError('csrf_failed', 'The sign-in form is stale or was not sent by this site; reload it');
  }
};

const submit = (deps: OAuthRouteDeps) => async (ctx: Context) => {
  const body = (ctx.request as { body?: unknown }).body;
  checkCsrf(ctx, field(body, 'csrf'));
  const provider = deps.provider();
  await interactionOf(provider, ctx);
  const email = field(body, 'email');
  try {
    const user = await checkCredentials(deps.login, email, field(body, 'password'), ctx.ip);
    await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: user.userId } }, { mergeWithLastSubmission: false });
    ctx.respond = false;
  } catch (error) {
    if (!(error instanceof LoginRefused)) throw error;
    ctx.status = error.status;
    ctx.set(error.headers);
    render(ctx, field(body, 'csrf'), { email, error: error.message });
  }
};

/** The login interaction routes, then the provider for the rest of `/oauth/*` and the metadata. */
export const oauthRoutes = (deps: OAuthRouteDeps): Middleware[] => {
  const router = new Router({ prefix: `${OAUTH_PATH}/interaction` });
  const form = koaBody({ json: false, urlencoded: true, text: false, multipart: false, formLimit: '16kb' });
  router.get('/:uid', showForm(deps));
  router.post('/:uid/login', form, submit(deps));
  return [pinOrigin(deps.publicUrl), router.routes() as unknown as Middleware, router.allowedMethods() as unknown as Middleware, mountProvider(deps)];
};
