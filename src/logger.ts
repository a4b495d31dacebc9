/**
 * pino logging with redaction built in: personal fields and secrets never reach a log line,
 * at whatever depth up to four levels they appear (request bodies, event data, errors).
 */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

/** Field names that hold personal data or secrets anywhere in the system. */
export const REDACTED_KEYS = [
  'firstName', 'lastName', 'name', 'fullName', 'email', 'phone', 'mobile', 'address', 'street',
  'city', 'postalCode', 'jobTitle', 'birthDate', 'ip', 'ipAddress', 'password', 'newPassword', 'secret',
  'clientSecret', 'token', 'accessToken', 'refreshToken', 'idToken', 'authorizationCode',
  'codeVerifier', 'masterKey', 'authorization', 'cookie',
] as const;

// Keys are redacted at the top level and up to three levels down (pino has no deep wildcard).
const redactPaths = (): string[] => [
  ...['', '*.', '*.*.', '*.*.*.'].flatMap((prefix) => REDACTED_KEYS.map((key) => `${prefix}${key}`)),
  'req.headers["set-cookie"]',
  'res.headers["set-cookie"]',
];

/** The process logger; `msg`, error messages and error codes are kept (they carry no personal data). */
export const createLogger = (level: LogLevel, destination?: NodeJS.WritableStream): Logger =>
  pino(
    {
      level,
      base: { service: 'crm' },
      redact: { paths: redactPaths(), censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination as never,
  );
