/**
 * Requests Node's HTTP parser refuses before Koa sees them (headers or URL over 16 KB, oversized
 * chunk extensions, the 5-minute request timeout, malformed requests): answered as problem+json
 * with the API's security headers, rather than Node's bare status line, then the socket is closed.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

type Refusal = [status: number, title: string, code: string, detail: string];

const REFUSALS: Record<string, Refusal> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'headers_too_large', 'The request line and headers exceed 16 KB'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Content Too Large', 'payload_too_large', 'The chunk extensions are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'request_timeout', 'The whole request did not arrive in time'],
};
const MALFORMED: Refusal = [400, 'Bad Request', 'malformed_request', 'The request is not valid HTTP/1.1'];

const answerOf = (code: string | undefined): string => {
  const [status, title, problemCode, detail] = (code !== undefined && REFUSALS[code]) || MALFORMED;
  // The request line was not read, so `instance` names no path of it; the correlation id is minted (and echoed) as for any request.
  const correlationId = randomUUID();
  const body = JSON.stringify({ type: `urn:crm:problem:${problemCode}`, title, status, detail, code: problemCode, instance: '/', correlationId });
  return [
    `HTTP/1.1 ${status} ${title}`, 'Content-Type: application/problem+json', `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close', 'X-Content-Type-Options: nosniff', "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'",
    'Cache-Control: no-store', `X-Request-Id: ${correlationId}`, '', body,
  ].join('\r\n');
};

/** Whether a refusal leaves the socket alone (an import's upload, which may take longer than the request timeout). */
export type Spare = (error: Error & { code?: string }, socket: Duplex) => boolean;

/**
 * Answers the parser's refusals on `server` as problems. The answer ends the socket gracefully
 * (destroying it at once could reset the connection before a client still sending its oversized
 * headers reads the answer); one not closed by the client within a second is destroyed.
 */
export const answerClientErrors = (server: Server, spare: Spare = () => false): void => {
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    if (spare(error, socket)) return;
    // As Node's own handler: no answer once a response on this (keep-alive) socket has sent its headers.
    const response = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || response?.headersSent === true) return void socket.destroy(error);
    socket.end(answerOf(error.code));
    setTimeout(() => socket.destroy(), 1_000).unref();
  });
};
