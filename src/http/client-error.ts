/**
 * Requests Node's HTTP parser refuses before Koa sees them (headers or URL over 16 KB, malformed
 * request lines): answered as problem+json with the API's security headers, not Node's bare status line.
 */
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

const REFUSALS: Record<string, [number, string, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'headers_too_large', 'The request line and headers exceed 16 KB'],
};
const MALFORMED: [number, string, string, string] = [400, 'Bad Request', 'malformed_request', 'The request is not valid HTTP/1.1'];

const answerOf = (code: string | undefined): string => {
  const [status, title, problemCode, detail] = (code !== undefined && REFUSALS[code]) || MALFORMED;
  const body = JSON.stringify({ type: `urn:crm:problem:${problemCode}`, title, status, detail, code: problemCode });
  return [
    `HTTP/1.1 ${status} ${title}`, 'Content-Type: application/problem+json', `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close', 'X-Content-Type-Options: nosniff', "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'",
    'Cache-Control: no-store', '', body,
  ].join('\r\n');
};

/** Answers parser refusals on `server` (a socket already answering or gone is only closed). */
export const answerClientErrors = (server: Server): void => {
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    socket.end(answerOf(error.code));
  });
};
