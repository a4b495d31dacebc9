/**
 * Checks a user's credentials at login. Every refusal looks the same to the caller (no user
 * enumeration): an unknown email costs the same scrypt time as a wrong password, and both count
 * towards the backoff of the account and the caller's address (`login-backoff.ts`). A suspended
 * organization or deactivated user is refused too.
 */
import { AppError } from '../errors.js';
import type { Directory, UserEntry } from './directory.js';
import type { LoginBackoff } from './login-backoff.js';
import { verifyAgainstDecoy, verifyPassword } from './passwords.js';

export type LoginDeps = { directory: Directory; backoff: LoginBackoff; emailHash: (email: string) => string };

/** 401 `invalid_credentials`, 429 `login_throttled` (with Retry-After), or 403 `organization_suspended`. */
export class LoginRefused extends AppError {}

const throttled = (waitMs: number): LoginRefused =>
  new LoginRefused('login_throttled', 429, 'Too many failed attempts; try again later', { headers: { 'Retry-After': String(Math.ceil(waitMs / 1000)) } });

const usable = (deps: LoginDeps, user: UserEntry): void => {
  if (deps.directory.tenant(user.tenantId)?.status === 'suspended') {
    throw new LoginRefused('organization_suspended', 403, 'Your organization is suspended');
  }
};

/** The user these credentials sent from `ip` belong to, or a `LoginRefused`. */
export const checkCredentials = async (deps: LoginDeps, email: string, password: string, ip: string): Promise<UserEntry> => {
  const key = deps.emailHash(email);
  const waitMs = await deps.backoff.begin(key, ip);
  if (waitMs > 0) throw throttled(waitMs);
  const user = deps.directory.userByEmailHash(key);
  const valid = user?.status === 'active' ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDecoy(password);
  if (!valid || !user) {
    await deps.backoff.failed(key, ip);
    throw new LoginRefused('invalid_credentials', 401, 'The email or password is not correct');
  }
  await deps.backoff.succeeded(key, ip);
  usable(deps, user);
  return user;
};
