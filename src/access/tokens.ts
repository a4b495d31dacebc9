/**
 * Access tokens: JWTs (RFC 9068 `at+jwt`) signed ES256 with the current signing key, verified
 * with the algorithm, issuer, audience and type pinned. A verified token is remembered (bounded,
 * never past its `exp`) so a client's requests do not pay a signature check each. A token the
 * OAuth server issued under a grant names it (`grant_id`); once the grant is revoked the token is
 * refused, cached or not.
 */
import { SignJWT, createLocalJWKSet, jwtVerify, errors as joseErrors, type JWTVerifyOptions } from 'jose';
import { randomUUID } from 'node:crypto';
import { UnauthorizedError } from '../errors.js';
import { lruCache } from '../events/personal-data/lru.js';
import type { Principal } from './principal.js';
import { SIGNING_ALGORITHM, type SigningKeys } from './signing-keys.js';

export const TOKEN_TYPE = 'at+jwt';
/** The audience of every access token: this API. */
export const API_AUDIENCE = 'crm-api';
export const ACCESS_TOKEN_TTL_SECONDS = 900;
/** The claim naming the OAuth grant a token was issued under (none: a token of no grant). */
export const GRANT_CLAIM = 'grant_id';

/** Whether a grant was revoked: called on every request, so an in-memory lookup. */
export type GrantRevoked = (grantId: string) => boolean;

export type TokenSettings = { issuer: string; ttlSeconds?: number };

/** Signs an access token for the principal (`sub` the actor, `tid` the tenant, `roles`, `client_id`). */
export const issueAccessToken = async (keys: SigningKeys, settings: TokenSettings, principal: Principal): Promise<string> => {
  const { kid, privateKey } = keys.current();
  return new SignJWT({ tid: principal.tenantId, roles: [...principal.roles], client_id: principal.clientId })
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, typ: TOKEN_TYPE, kid })
    .setIssuer(settings.issuer)
    .setAudience(API_AUDIENCE)
    .setSubject(principal.actorId)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${settings.ttlSeconds ?? ACCESS_TOKEN_TTL_SECONDS}s`)
    .sign(privateKey);
};

const stringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

type Verified = { principal: Principal; exp: number; grantId: string | undefined };

const grantOf = (payload: Record<string, unknown>): string | undefined => {
  const grantId = payload[GRANT_CLAIM];
  if (grantId === undefined || (typeof grantId === 'string' && grantId !== '')) return grantId;
  throw new UnauthorizedError('invalid_token', 'The token names no valid grant');
};

const principalOf = (payload: Record<string, unknown>): Principal => {
  const { sub, tid, roles, client_id: clientId } = payload;
  if (typeof sub !== 'string' || typeof tid !== 'string' || !stringArray(roles) || typeof clientId !== 'string') {
    throw new UnauthorizedError('invalid_token', 'The token lacks the claims this API needs');
  }
  return { actorId: sub, tenantId: tid, roles, clientId };
};

const refusal = (error: unknown): UnauthorizedError =>
  new UnauthorizedError('invalid_token', error instanceof joseErrors.JWTExpired ? 'The token has expired' : 'The token is not valid');

/** The published keys as jose sees them, re-read only when a token names a key it does not know. */
const keySet = (keys: SigningKeys) => {
  let set = createLocalJWKSet(keys.jwks());
  return async (token: string, options: JWTVerifyOptions) => {
    try {
      return await jwtVerify(token, set, options);
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error;
      set = createLocalJWKSet(keys.jwks());
      return jwtVerify(token, set, options);
    }
  };
};

/**
 * A verifier over the published keys; refusals are 401 `invalid_token` with `WWW-Authenticate`.
 * `grantRevoked` refuses the tokens of revoked grants (tokens without a grant never ask it).
 */
export const tokenVerifier = (keys: SigningKeys, settings: TokenSettings, grantRevoked: GrantRevoked = () => false) => {
  const verified = lruCache<Verified>(10_000);
  const verify = keySet(keys);
  const options: JWTVerifyOptions = {
    algorithms: [SIGNING_ALGORITHM], issuer: settings.issuer, audience: API_AUDIENCE, typ: TOKEN_TYPE, requiredClaims: ['exp', 'sub'],
  };
  const verifyAnew = async (token: string): Promise<Verified> => {
    try {
      const { payload } = await verify(token, options);
      const entry = { principal: principalOf(payload), exp: payload.exp!, grantId: grantOf(payload) };
      verified.set(token, entry);
      return entry;
    } catch (error) {
      throw error instanceof UnauthorizedError ? error : refusal(error);
    }
  };
  return async (token: string): Promise<Principal> => {
    const cached = verified.get(token);
    const entry = cached && cached.exp * 1000 > Date.now() ? cached : await verifyAnew(token);
    if (entry.grantId !== undefined && grantRevoked(entry.grantId)) {
      throw new UnauthorizedError('invalid_token', 'The token has been revoked');
    }
    return entry.principal;
  };
};
