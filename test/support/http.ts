/** HTTP helpers for end-to-end tests against the real server. */
import { issueAccessToken } from '../../src/access/tokens.js';
import type { TestServer } from './server.js';

export type Caller = { tenantId: string; actorId: string; roles: string[] };

/** A real access token for the caller, signed with the server's current signing key. */
export const tokenFor = (server: TestServer, caller: Caller): Promise<string> =>
  issueAccessToken(server.signingKeys, { issuer: server.config.publicUrl }, { ...caller, clientId: 'test-client' });

export type Answer = { status: number; headers: Headers; body: any };

/** Sends JSON with the caller's token (when given) and answers status, headers and parsed body. */
export const call = async (
  server: TestServer,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> => {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] ??= 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method, headers, body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
};
