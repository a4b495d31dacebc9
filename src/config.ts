/**
 * Configuration is read once from the environment (design §8) and validated at start: a bad value
 * stops the process with a `ConfigError` naming every bad variable.
 */
import { resolve } from 'node:path';
import { ConfigError, type FieldError } from './errors.js';

export type Config = Readonly<{
  nodeEnv: 'development' | 'test' | 'production';
  port: number;
  publicUrl: string;
  dataDir: string;
  eventStoreUrl: string | undefined;
  redisUrl: string | undefined;
  /** Every Redis key this deployment writes is `<it>:…` (`REDIS_KEY_PREFIX`, default `crm`). */
  redisKeyPrefix: string;
  masterKey: Buffer | undefined;
  admin: { email: string; password: string } | undefined;
  logLevel: LogLevel;
  corsOrigins: readonly string[];
  webRedirectUris: readonly string[];
  shutdownGraceMs: number;
  rateLimits: RateLimits;
  /** When set, `/metrics` needs `Authorization: Bearer <it>`; unset, it answers loopback callers only. */
  metricsToken: string | undefined;
}>;

/** Requests allowed per window (0: no limit); see `src/http/rate-limit.ts`. */
export type RateLimits = Readonly<{
  windowSeconds: number;
  perIp: number;
  perClient: number;
  authWindowSeconds: number;
  authPerIp: number;
}>;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type Env = Record<string, string | undefined>;
type Reader = { problems: FieldError[]; env: Env };

const problem = (r: Reader, name: string, message: string): undefined => {
  r.problems.push({ pointer: name, message });
  return undefined;
};

const text = (r: Reader, name: string): string | undefined => {
  const value = r.env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

const integer = (r: Reader, name: string, fallback: number, min: number, max: number): number => {
  const raw = text(r, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    problem(r, name, `must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    return fallback;
  }
  return value;
};

const url = (r: Reader, name: string, protocols: string[]): string | undefined => {
  const raw = text(r, name);
  if (raw === undefined) return undefined;
  try {
    const parsed = new URL(raw);
    if (protocols.includes(parsed.protocol)) return raw.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  return problem(r, name, `must be a URL using ${protocols.join(' or ')}`);
};

const list = (r: Reader, name: string): string[] =>
  (text(r, name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** Redirect URIs of the native client `crm-web`: https, or http on a loopback address; no fragment. */
const redirectUris = (r: Reader, name: string): string[] =>
  list(r, name).filter((raw) => {
    const parsed = URL.parse(raw);
    const ok = parsed !== null && parsed.hash === '' && (parsed.protocol === 'https:' || (parsed.protocol === 'http:' && ['127.0.0.1', '[::1]'].includes(parsed.hostname)));
    if (!ok) problem(r, name, `${JSON.stringify(raw)} must be an https URL, or http on 127.0.0.1 or [::1], without a fragment`);
    return ok;
  });

/** CORS origins: exact `scheme://host[:port]`, never `*`. */
const origins = (r: Reader, name: string): string[] =>
  list(r, name).filter((raw) => {
    const ok = URL.parse(raw)?.origin === raw;
    if (!ok) problem(r, name, `${JSON.stringify(raw)} must be an exact origin such as https://app.example.com (no path, no *)`);
    return ok;
  });

/** Defaults high enough for one client at full speed on one core (the HTTP benchmark: 16 connections, one token). */
const rateLimits = (r: Reader): RateLimits => ({
  windowSeconds: integer(r, 'RATE_LIMIT_WINDOW_SECONDS', 1, 1, 3600),
  perIp: integer(r, 'RATE_LIMIT_PER_IP', 50_000, 0, 10_000_000),
  perClient: integer(r, 'RATE_LIMIT_PER_CLIENT', 50_000, 0, 10_000_000),
  authWindowSeconds: integer(r, 'RATE_LIMIT_AUTH_WINDOW_SECONDS', 60, 1, 86_400),
  authPerIp: integer(r, 'RATE_LIMIT_AUTH_PER_IP', 600, 0, 1_000_000),
});

/** The default `REDIS_KEY_PREFIX`: the keys every deployment used before the setting existed. */
export const DEFAULT_REDIS_KEY_PREFIX = 'crm';

/** Letters, digits and `-_.:` only: no glob characters (the prefix is scanned with `MATCH <prefix>:*`) nor spaces. */
const redisKeyPrefix = (r: Reader): string => {
  const raw = text(r, 'REDIS_KEY_PREFIX');
  if (raw === undefined) return DEFAULT_REDIS_KEY_PREFIX;
  if (/^[A-Za-z0-9._:-]{1,64}$/.test(raw)) return raw;
  problem(r, 'REDIS_KEY_PREFIX', `must be 1 to 64 letters, digits, "-", "_", "." or ":", got ${JSON.stringify(raw)}`);
  return DEFAULT_REDIS_KEY_PREFIX;
};

const secret = (r: Reader, name: string): string | undefined => {
  const raw = text(r, name);
  if (raw === undefined || raw.length >= 16) return raw;
  return problem(r, name, 'must be at least 16 characters');
};

const masterKey = (r: Reader): Buffer | undefined => {
  const raw = text(r, 'CRM_MASTER_KEY');
  if (raw === undefined) return undefined;
  const key = Buffer.from(raw, 'base64');
  if (key.length !== 32 || key.toString('base64') !== raw) {
    return problem(r, 'CRM_MASTER_KEY', 'must be the base64 encoding of exactly 32 bytes');
  }
  return key;
};

const admin = (r: Reader): Config['admin'] => {
  const email = text(r, 'CRM_ADMIN_EMAIL');
  const password = r.env.CRM_ADMIN_PASSWORD;
  if (email === undefined && !password) return undefined;
  if (email === undefined || !/^[^@\s]+@[^@\s]+$/.test(email)) return problem(r, 'CRM_ADMIN_EMAIL', 'must be an email address (set together with CRM_ADMIN_PASSWORD)');
  if (!password || password.length < 12) return problem(r, 'CRM_ADMIN_PASSWORD', 'must be at least 12 characters (set together with CRM_ADMIN_EMAIL)');
  return { email, password };
};

const oneOf = <T extends string>(r: Reader, name: string, allowed: readonly T[], fallback: T): T => {
  const raw = text(r, name);
  if (raw === undefined) return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  problem(r, name, `must be one of ${allowed.join(', ')}`);
  return fallback;
};

/** Reads and validates the whole configuration; throws one `ConfigError` listing every problem. */
export const loadConfig = (env: Env = process.env): Config => {
  const r: Reader = { problems: [], env };
  const nodeEnv = oneOf(r, 'NODE_ENV', ['development', 'test', 'production'], 'development');
  const port = integer(r, 'PORT', 3000, 0, 65535);
  const config: Config = {
    nodeEnv,
    port,
    publicUrl: url(r, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`,
    dataDir: resolve(text(r, 'DATA_DIR') ?? './data'),
    eventStoreUrl: url(r, 'EVENTSTORE_URL', ['esdb:', 'esdb+discover:']),
    redisUrl: url(r, 'REDIS_URL', ['redis:', 'rediss:']),
    redisKeyPrefix: redisKeyPrefix(r),
    masterKey: masterKey(r),
    admin: admin(r),
    logLevel: oneOf(r, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    corsOrigins: origins(r, 'CRM_CORS_ORIGINS'),
    webRedirectUris: redirectUris(r, 'CRM_WEB_REDIRECT_URIS'),
    shutdownGraceMs: integer(r, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    rateLimits: rateLimits(r),
    metricsToken: secret(r, 'METRICS_TOKEN'),
  };
  if (nodeEnv === 'production' && !config.masterKey) problem(r, 'CRM_MASTER_KEY', 'is required in production');
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return Object.freeze(config);
};
