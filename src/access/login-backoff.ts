/**
 * Failed logins slow down per account (keyed by the email's lookup hash, so unknown and known
 * emails behave alike): after n consecutive failures the next attempt is refused until
 * 2^(n-1) seconds have passed, capped at 15 minutes. Nobody can lock an account out for good:
 * the wait is bounded, and a success resets it.
 */
const BASE_MS = 1000;
const MAX_MS = 15 * 60 * 1000;
const MAX_TRACKED = 100_000;

type Failures = { count: number; retryAt: number };

export type LoginBackoff = {
  /** Milliseconds to wait before this account may try again (0: now). */
  waitMs(key: string, now?: number): number;
  failed(key: string, now?: number): void;
  succeeded(key: string): void;
};

export const loginBackoff = (): LoginBackoff => {
  const failures = new Map<string, Failures>();
  return {
    waitMs: (key, now = Date.now()) => Math.max(0, (failures.get(key)?.retryAt ?? 0) - now),
    failed: (key, now = Date.now()) => {
      const count = (failures.get(key)?.count ?? 0) + 1;
      if (failures.size >= MAX_TRACKED) failures.delete(failures.keys().next().value!);
      failures.set(key, { count, retryAt: now + Math.min(MAX_MS, BASE_MS * 2 ** (count - 1)) });
    },
    succeeded: (key) => void failures.delete(key),
  };
};
