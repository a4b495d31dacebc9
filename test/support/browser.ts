/**
 * A minimal browser for the OAuth flow: keeps cookies, follows redirects by hand (so the test
 * sees where it lands), reads the login form's action and hidden fields, and makes PKCE pairs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';

export type Page = { status: number; url: string; location?: string; html: string; headers: Headers };

export const pkcePair = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

/**
 * `fetch` (no redirects followed) from the local address `from`: a loopback address other than
 * 127.0.0.1 (127.0.0.2…) reaches the server as another client IP.
 */
const fetchFrom = (from: string) => (url: URL, init: RequestInit): Promise<Response> => new Promise((resolve, reject) => {
  const req = request(url, { method: init.method ?? 'GET', headers: init.headers as Record<string, string>, localAddress: from }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk)).on('error', reject).on('end', () => {
      const headers = new Headers();
      for (let i = 0; i < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
      resolve(new Response(Buffer.concat(chunks), { status: res.statusCode!, headers }));
    });
  });
  req.on('error', reject).end(init.body === undefined || init.body === null ? undefined : String(init.body));
});

/** A browser on `base`, sending from the local address `from` when given. */
export const newBrowser = (base: string, from?: string) => {
  const transport = from ? fetchFrom(from) : fetch;
  const jar = new Map<string, string>();
  const keep = (headers: Headers) => {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at).trim(), pair!.slice(at + 1).trim());
    }
  };
  const send = async (url: string, init: RequestInit = {}): Promise<Page> => {
    const cookie = [...jar].filter(([, v]) => v !== '').map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await transport(new URL(url, base), { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), ...(cookie ? { cookie } : {}) } });
    keep(res.headers);
    const location = res.headers.get('location') ?? undefined;
    return { status: res.status, url, html: await res.text(), headers: res.headers, ...(location ? { location: new URL(location, new URL(url, base)).href } : {}) };
  };
  /** Follows redirects until a page answers, or a redirect leaves for `stopAt` (the client's callback). */
  const follow = async (page: Page, stopAt: string): Promise<Page> => {
    let current = page;
    for (let hops = 0; current.location && hops < 10; hops++) {
      if (current.location.startsWith(stopAt)) return current;
      current = await send(current.location);
    }
    return current;
  };
  const submit = async (form: Page, fields: Record<string, string>): Promise<Page> => {
    const action = /<form[^>]*action="([^"]+)"/.exec(form.html)?.[1]?.replace(/&amp;/g, '&');
    if (!action) throw new Error(`no form in: ${form.html.slice(0, 300)}`);
    const hidden = [...form.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m): [string, string] => [m[1]!, m[2]!]);
    const body = new URLSearchParams([...hidden, ...Object.entries(fields)]);
    return send(new URL(action, form.url.startsWith('http') ? form.url : base).href, {
      method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  };
  return { send, follow, submit, jar };
};
