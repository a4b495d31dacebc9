/**
 * The OAuth 2.0 authorization server (design §6), on oidc-provider: authorization code + PKCE
 * (S256 only, always required), exact redirect matching (loopback ports excepted for the native
 * client `crm-web`), single-use codes living 60 s, rotating refresh tokens (a reused one revokes
 * its whole grant), client credentials, revocation. Access tokens are the API's JWTs: ES256 with
 * our signing key, `typ` at+jwt, `aud` crm-api, and the claims `tid`, `roles` and (for a user's
 * token) `grant_id` added here: the API refuses the tokens of a revoked grant (`revoked-grants.ts`).
 */
import { hkdfSync } from 'node:crypto';
import type { JWK } from 'jose';
import Provider, { interactionPolicy, type AdapterFactory, type Configuration, type KoaContextWithOIDC, type RefreshToken } from 'oidc-provider';
import type { Directory } from '../directory.js';
import { ACCESS_TOKEN_TTL_SECONDS, API_AUDIENCE, GRANT_CLAIM } from '../tokens.js';
import { SIGNING_ALGORITHM } from '../signing-keys.js';
import { integrationClients } from './integration-clients.js';
import { errorPage, logoutPage, signedOutPage } from './pages.js';

/** The built-in public client of the web UI. */
export const WEB_CLIENT_ID = 'crm-web';
/** Where the authorization server is mounted; the login interaction lives under it too. */
export const OAUTH_PATH = '/oauth';
export const API_SCOPE = 'api';

export type OAuthSettings = {
  issuer: string;
  webRedirectUris: readonly string[];
  signingJwk: JWK;
  adapter: AdapterFactory;
  directory: Directory;
  masterKey: Buffer;
  /** `CRM_CORS_ORIGINS`: the browser origins (besides the issuer's) that may call the token and revocation endpoints. */
  corsOrigins: readonly string[];
};

const REFRESH_ABSOLUTE_SECONDS = 30 * 24 * 3600;
const REFRESH_IDLE_SECONDS = 14 * 24 * 3600;

/** Cookie signing keys derived from the master key, so every replica and restart agrees. */
const cookieKeys = (masterKey: Buffer): string[] =>
  [Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'crm oauth cookies v1', 32)).toString('base64url')];

const webClient = (settings: OAuthSettings) => ({
  client_id: WEB_CLIENT_ID,
  application_type: 'native' as const,
  token_endpoint_auth_method: 'none' as const,
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code' as const],
  redirect_uris: ['http://127.0.0.1/callback', ...settings.webRedirectUris],
});

/** A refresh token lives 14 days idle and 30 days from the login that started its family. */
const refreshTtl = (_ctx: KoaContextWithOIDC, token: RefreshToken): number => {
  const used = token.totalLifetime();
  return Math.max(1, Math.min(REFRESH_IDLE_SECONDS, REFRESH_ABSOLUTE_SECONDS - (Number.isFinite(used) ? used : 0)));
};

/**
 * `tid` and `roles` of whom the token is for: the user, or the integration client. A user's token
 * names its grant (a random id, nothing personal); a client's has none (client credentials).
 */
const tokenClaims = (directory: Directory) => async (_ctx: KoaContextWithOIDC, token: { accountId?: string; clientId?: string; grantId?: string }) => {
  if (token.accountId) {
    const user = directory.userById(token.accountId);
    return user ? { tid: user.tenantId, roles: user.roles, ...(token.grantId ? { [GRANT_CLAIM]: token.grantId } : {}) } : undefined;
  }
  const client = token.clientId ? directory.client(token.clientId) : undefined;
  return client ? { tid: client.tenantId, roles: client.roles } : undefined;
};

/** An active user of an organization that is not suspended: anyone else gets no token, not even by refresh. */
const findAccount = (directory: Directory) => async (_ctx: KoaContextWithOIDC, id: string) => {
  const user = directory.userById(id);
  const usable = user?.status === 'active' && directory.tenant(user.tenantId)?.status !== 'suspended';
  return usable ? { accountId: id, claims: () => ({ sub: id }) } : undefined;
};

/** First-party clients need no consent screen: the grant covers the API (`resource`) scope. */
const loadExistingGrant = (resource: string) => async (ctx: KoaContextWithOIDC) => {
  const { client, session, provider } = ctx.oidc;
  const grantId = ctx.oidc.result?.consent?.grantId ?? session!.grantIdFor(client!.clientId);
  if (grantId) return provider.Grant.find(grantId);
  const grant = new provider.Grant({ clientId: client!.clientId, accountId: session!.accountId! });
  grant.addResourceScope(resource, API_SCOPE);
  grant.addOIDCScope('offline_access');
  await grant.save();
  return grant;
};

/**
 * The default prompts, but `crm-web` is first-party: no consent screen even though it is a native
 * client. A session whose account may no longer sign in (deactivated, its organization suspended:
 * `findAccount` finds nobody) asks for a new sign-in, which then says why it is refused.
 */
const prompts = () => {
  const policy = interactionPolicy.base();
  policy.get('consent')!.checks.remove('native_client_prompt');
  const unusable = new interactionPolicy.Check('account_unusable', 'The signed-in account may no longer sign in', (ctx) =>
    (ctx.oidc.session?.accountId && !ctx.oidc.account ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT));
  policy.get('login')!.checks.add(unusable, 0);
  return policy;
};

/** Every access token is for this API (the resource `issuer`): a JWT signed with our current key. */
const apiResource = (issuer: string): NonNullable<Configuration['features']>['resourceIndicators'] => ({
  enabled: true,
  defaultResource: async () => issuer,
  useGrantedResource: async () => true,
  getResourceServerInfo: async () => ({
    scope: API_SCOPE,
    audience: API_AUDIENCE,
    accessTokenFormat: 'jwt',
    accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
    jwt: { sign: { alg: SIGNING_ALGORITHM } },
  }),
});

const features = (issuer: string): Configuration['features'] => ({
  devInteractions: { enabled: false },
  dPoP: { enabled: false }, // the API takes bearer tokens only: a DPoP-bound token would be honoured without its proof
  revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
  clientCredentials: { enabled: true },
  userinfo: { enabled: false },
  rpInitiatedLogout: {
    enabled: true,
    logoutSource: async (ctx, form) => void ((ctx.type = 'html'), (ctx.body = logoutPage(form))),
    postLogoutSuccessSource: async (ctx) => void ((ctx.type = 'html'), (ctx.body = signedOutPage())),
  },
  resourceIndicators: apiResource(issuer),
});

const TTL: Configuration['ttl'] = {
  AccessToken: ACCESS_TOKEN_TTL_SECONDS, AuthorizationCode: 60, ClientCredentials: ACCESS_TOKEN_TTL_SECONDS,
  Interaction: 600, Session: 86_400, Grant: REFRESH_ABSOLUTE_SECONDS, RefreshToken: refreshTtl,
};

const renderError: Configuration['renderError'] = async (ctx, out) => {
  ctx.type = 'html';
  ctx.body = errorPage(out);
};

/** Browser calls to the token and revocation endpoints: from the issuer's origin or CRM_CORS_ORIGINS only. */
const corsPolicy = (settings: OAuthSettings): Configuration['clientBasedCORS'] => {
  const allowed = new Set([new URL(settings.issuer).origin, ...settings.corsOrigins]);
  return (_ctx, origin) => allowed.has(origin);
};

const configuration = (settings: OAuthSettings): Configuration => ({
  adapter: (model: string) => (model === 'Client' ? integrationClients(settings.directory) : settings.adapter(model)),
  clients: [webClient(settings)],
  responseTypes: ['code'],
  clientAuthMethods: ['client_secret_basic', 'none'], // integration clients present their secret by HTTP Basic only
  clientBasedCORS: corsPolicy(settings),
  jwks: { keys: [settings.signingJwk] },
  cookies: { keys: cookieKeys(settings.masterKey) },
  clientDefaults: { id_token_signed_response_alg: SIGNING_ALGORITHM },
  pkce: { required: () => true },
  interactions: { policy: prompts(), url: (_ctx, interaction) => `${OAUTH_PATH}/interaction/${interaction.uid}` },
  findAccount: findAccount(settings.directory),
  extraTokenClaims: tokenClaims(settings.directory),
  loadExistingGrant: loadExistingGrant(settings.issuer),
  renderError,
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  expiresWithSession: async () => false,
  ttl: TTL,
  features: features(settings.issuer),
});

/** RFC 8414 `scopes_supported` names the API's scope too (the provider lists its OpenID scopes only). */
const listApiScope = async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
  await next();
  const body = ctx.body as { scopes_supported?: string[] } | undefined;
  if (ctx.oidc?.route === 'discovery' && body?.scopes_supported) body.scopes_supported = [...body.scopes_supported, API_SCOPE];
};

/** The configured provider; `oauthRoutes` (src/http/identity/oauth.ts) mounts it in the app. */
export const createOAuthProvider = (settings: OAuthSettings): Provider => {
  const provider = new Provider(settings.issuer, configuration(settings));
  provider.proxy = true; // its X-Forwarded-* headers come from `oauthRoutes`, pinned to the issuer's origin, never from the client
  provider.use(listApiScope);
  return provider;
};
