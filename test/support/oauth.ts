/** The authorization code + PKCE flow as a browser and a client app run it, for end-to-end tests. */
import { expect } from 'chai';
import { call } from './http.js';
import type { TestServer } from './server.js';
import { newBrowser, pkcePair, type Page } from './browser.js';

export const CALLBACK = 'http://127.0.0.1:5555/callback';

export type Authorization = { query: Record<string, string>; verifier: string; browser: ReturnType<typeof newBrowser> };

/**
 * Starts an authorization request (PKCE S256 unless `query` overrides it; '' drops a parameter) and
 * follows it to the login form; from the local address `from` when given (see `newBrowser`).
 */
export const startAuthorization = async (server: TestServer, query: Record<string, string> = {}, from?: string): Promise<Authorization & { page: Page }> => {
  const browser = newBrowser(server.url, from);
  const { verifier, challenge } = pkcePair();
  const params = { response_type: 'code', client_id: 'crm-web', redirect_uri: CALLBACK, state: 'xyz-state', code_challenge: challenge, code_challenge_method: 'S256', ...query };
  const sent = Object.entries(params).filter(([, value]) => value !== '');
  const first = await browser.send(`/oauth/auth?${new URLSearchParams(sent)}`);
  return { query: params, verifier, browser, page: await browser.follow(first, params.redirect_uri) };
};

/** Posts the login form and follows redirects; answers the last page (the callback redirect on success). */
export const signIn = async (auth: Authorization & { page: Page }, email: string, password: string): Promise<Page> =>
  auth.browser.follow(await auth.browser.submit(auth.page, { email, password }), auth.query.redirect_uri!);

export const tokenRequest = async (server: TestServer, form: Record<string, string>) => {
  const res = await fetch(`${server.url}/oauth/token`, { method: 'POST', body: new URLSearchParams({ client_id: 'crm-web', ...form }) });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
};

/** The whole flow: sign in, take the code from the callback, redeem it with the verifier. */
export const logIn = async (server: TestServer, email: string, password: string) => {
  const auth = await startAuthorization(server);
  const landed = await signIn(auth, email, password);
  const code = new URL(landed.location!).searchParams.get('code');
  if (!code) throw new Error(`sign-in failed: ${landed.status} ${landed.html.slice(0, 200)}`);
  const tokens = await tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: auth.verifier });
  return { code, verifier: auth.verifier, ...tokens };
};

/** The decoded header and payload of a JWT (no verification: the server verifies). */
export const decodeJwt = (jwt: string) => {
  const [header, payload] = jwt.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
  return { header, payload };
};

/** The API's answer to a read with `token`: 200 while it is valid. */
export const apiStatus = async (server: TestServer, token: string | undefined): Promise<number> =>
  (await call(server, 'GET', '/sales/contacts', { token })).status;

/** Asserts the API refuses `token` as a revoked one: 401 `invalid_token` problem with `WWW-Authenticate`. */
export const expectRevoked = async (server: TestServer, token: string | undefined): Promise<void> => {
  const res = await call(server, 'GET', '/sales/contacts', { token });
  expect([res.status, res.headers.get('content-type'), res.body?.code]).to.deep.equal([401, 'application/problem+json', 'invalid_token']);
  expect(res.headers.get('www-authenticate')).to.match(/^Bearer realm="crm", error="invalid_token"/);
  expect(res.body.detail).to.equal('The token has been revoked');
};
