/**
 * The request's header fields back as JSON (`/headers`): a client compares the values with what
 * it sent, so a server whose HPACK decoder fell out of step with the client's encoder is seen
 * handing the application wrong values (scenario/header-echo.ts).
 */
import type { DemoRequest, DemoResponse } from '../types.js';

export function serveHeaders(req: DemoRequest, res: DemoResponse): void {
  const fields = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !name.startsWith(':')));
  const body = JSON.stringify(fields);
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
