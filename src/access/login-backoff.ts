/**
 * Failed sign-ins slow down (OWASP Authentication and Credential Stuffing cheat sheets), keyed by
 * the email's lookup hash so that unknown and known emails behave alike, on two counts:
 * - per account and source (the caller's IP; an IPv6 address by its /64): after n consecutive
 *   failures that source waits 2^(n-1) s, at most 15 minutes, before it may try the account again.
 *   The wait is checked before the password, so a waiting source learns nothing.
 * - per account across sources, from a much higher threshold: past 20 consecutive failures, a
 *   source that fails waits at least 2^(N-21) s after it, at most an hour, which slows guessing
 *   spread over many addresses.
 * A source that has not failed on the account is never made to wait, so its owner signing in from
 * elsewhere gets in whatever others send, and every wait is bounded: nobody can lock an account out
 * (unless every caller shares one address: behind a reverse proxy the app sees only the proxy's).
 * A success resets the source's count and the account's. A source has one attempt on an account
 * at a time (held while the password is checked), so parallel requests cannot outrun the count.
 */
import { isIPv6 } from 'node:net';
import { memoryBackoffStore, type BackoffStore } from './login-backoff-store.js';

export type BackoffLimits = {
  /** The longest wait of one source on one account. */
  sourceMaxMs: number;
  /** Consecutive failures on an account, from any sources, before the account-wide wait starts. */
  accountThreshold: number;
  /** The longest account-wide wait. */
  accountMaxMs: number;
};

export const DEFAULT_BACKOFF_LIMITS: BackoffLimits = { sourceMaxMs: 15 * 60 * 1000, accountThreshold: 20, accountMaxMs: 60 * 60 * 1000 };

const BASE_MS = 1000;
/** How long an attempt holds its account and source while the password is checked (released by its outcome). */
const ATTEMPT_MS = 5000;

export type LoginBackoff = {
  /** Starts an attempt of `ip` on `account`: 0, or the milliseconds to wait first (the attempt is then refused). */
  begin(account: string, ip: string): Promise<number>;
  failed(account: string, ip: string): Promise<void>;
  succeeded(account: string, ip: string): Promise<void>;
};

/**
 * The source an address counts as: an IPv4 address (IPv4-mapped ones too), or an IPv6 address's
 * /64, the block one subscriber commonly holds whole.
 */
export const sourceOf = (ip: string): string => {
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (v4) return v4[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const first = head ? head.split(':') : [];
  const last = tail ? tail.split(':') : [];
  const groups = [...first, ...Array<string>(Math.max(0, 8 - first.length - last.length)).fill('0'), ...last];
  return `${groups.slice(0, 4).map((group) => parseInt(group, 16).toString(16)).join(':')}::/64`;
};

const doubling = (exponent: number, maxMs: number): number => Math.min(maxMs, BASE_MS * 2 ** exponent);

/** The backoff, counted in `store` (Redis for several API processes, else memory). */
export const loginBackoff = (store: BackoffStore = memoryBackoffStore(), limits = DEFAULT_BACKOFF_LIMITS): LoginBackoff => {
  const keys = (account: string, ip: string) => {
    const source = sourceOf(ip);
    return { hold: `hold:${account}:${source}`, source: `fails:${account}:${source}`, account: `fails:${account}` };
  };
  const waitAfter = (sourceFailures: number, accountFailures: number): number => Math.max(
    doubling(sourceFailures - 1, limits.sourceMaxMs),
    accountFailures > limits.accountThreshold ? doubling(accountFailures - limits.accountThreshold - 1, limits.accountMaxMs) : 0,
  );
  return {
    begin: (account, ip) => store.hold(keys(account, ip).hold, ATTEMPT_MS),
    failed: async (account, ip) => {
      const key = keys(account, ip);
      const [sourceFailures, accountFailures] = await store.count([key.source, key.account]);
      await store.holdAnyway(key.hold, waitAfter(sourceFailures!, accountFailures!));
    },
    succeeded: async (account, ip) => {
      const key = keys(account, ip);
      await store.forget([key.hold, key.source, key.account]);
    },
  };
};
