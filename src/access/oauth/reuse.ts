/**
 * A code or refresh token consumed a second time, as both storage adapters refuse it: oidc-provider
 * checks `consumed` and consumes in separate steps, so of requests that arrive together with one,
 * all but the first to consume it are reuse. The adapter only refuses; `recordingRevocations`
 * revokes the grant the refusal names, through the storage that records it revoked, so that the
 * first request's access token is refused as well.
 */
import { errors } from 'oidc-provider';

/** The models whose entries belong to a grant (revoked with it). */
export const GRANTABLE: ReadonlySet<string> = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

const REUSED_GRANT = Symbol('reusedGrant');

/** The provider's refusal of a reuse (400 `invalid_grant`), naming the grant to revoke. */
export const reuseOf = (model: string, grantId: string | undefined): Error =>
  Object.assign(new errors.InvalidGrant(`${model} already consumed`), { [REUSED_GRANT]: grantId });

/** The grant a refusal of a reuse names, if the error is one. */
export const reusedGrantOf = (error: unknown): string | undefined =>
  error instanceof Error ? (error as { [REUSED_GRANT]?: string })[REUSED_GRANT] : undefined;
