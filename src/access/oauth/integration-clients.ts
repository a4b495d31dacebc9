/**
 * Integration clients (client credentials) for oidc-provider, with their secrets stored hashed.
 * The provider compares the presented secret with the client's metadata, so the `Client` model's
 * adapter answers the presented secret itself when its hash matches the stored one, and an
 * unguessable value otherwise. The presented credentials (HTTP Basic only) reach the adapter
 * through AsyncLocalStorage, set by the mount for the request.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { ClientEntry, Directory } from '../directory.js';

type Presented = { clientId: string; secret: string };

const presented = new AsyncLocalStorage<Presented | undefined>();
const NEVER_MATCHES = randomBytes(32).toString('base64url');

/** SHA-256 is enough: the secrets are 256 random bits, not passwords. */
export const hashClientSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('base64url');

/** A new client secret (shown once) and the hash to store. */
export const newClientSecret = (): { secret: string; hash: string } => {
  const secret = randomBytes(32).toString('base64url');
  return { secret, hash: hashClientSecret(secret) };
};

const basicCredentials = (authorization: string | undefined): Presented | undefined => {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(authorization ?? '');
  const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return { clientId: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
};

/** Runs the provider's handling of a request with its Basic client credentials in scope. */
export const withPresentedClient = <T>(authorization: string | undefined, work: () => Promise<T>): Promise<T> =>
  presented.run(basicCredentials(authorization), work);

const secretFor = (entry: ClientEntry, credentials: Presented | undefined): string => {
  if (credentials?.clientId !== entry.clientId) return NEVER_MATCHES;
  const [given, stored] = [Buffer.from(hashClientSecret(credentials.secret)), Buffer.from(entry.secretHash)];
  return given.length === stored.length && timingSafeEqual(given, stored) ? credentials.secret : NEVER_MATCHES;
};

const metadataOf = (entry: ClientEntry): AdapterPayload => ({
  client_id: entry.clientId,
  client_secret: secretFor(entry, presented.getStore()),
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: 'client_secret_basic',
});

/**
 * The `Client` model's adapter: integration clients from the directory; nothing is ever written.
 * A revoked client, or one of a suspended (or offboarded) organization, does not exist for the
 * provider: its token requests get `invalid_client`.
 */
export const integrationClients = (directory: Directory): Adapter => ({
  find: async (id) => {
    const entry = directory.client(id);
    const usable = entry?.status === 'active' && directory.tenant(entry.tenantId)?.status !== 'suspended';
    return usable ? metadataOf(entry) : undefined;
  },
  upsert: async () => undefined,
  findByUid: async () => undefined,
  findByUserCode: async () => undefined,
  consume: async () => undefined,
  destroy: async () => undefined,
  revokeByGrantId: async () => undefined,
});
