/**
 * Streams the request body back as it arrives (backpressure end to end) and echoes the request's
 * trailers as response trailers. On HTTP/1.1 trailers need a chunked response that announces
 * them, so the request's `Trailer` header is copied onto the response. With `?rate=` the body is
 * read at that many bytes per second: a slow consumer, behind which a proxy holds what the client sent.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { Throttle } from '../throttle.js';
import type { DemoRequest, DemoResponse } from '../types.js';

export function serveEcho(req: DemoRequest, res: DemoResponse, bytesPerSecond?: number): void {
  const headers: OutgoingHttpHeaders = {
    'content-type': req.headers['content-type'] ?? 'application/octet-stream',
    'cache-control': 'no-store',
  };
  if (req.headers['content-length'] !== undefined) headers['content-length'] = req.headers['content-length'];
  const announced = req.headers.trailer;
  if (req.httpVersion === '1.1' && announced) {
    headers.trailer = announced;
    delete headers['content-length'];
  }
  res.writeHead(200, headers);
  // Registered before pipe() so the trailers are set before pipe ends the response.
  req.on('end', () => {
    const trailers = Object.fromEntries(
      Object.entries(req.trailers).filter(([name, value]) => value !== undefined && !name.startsWith(':')),
    );
    if (Object.keys(trailers).length > 0) res.addTrailers(trailers);
  });
  res.on('close', () => {
    if (!req.readableEnded) req.destroy();
  });
  if (bytesPerSecond === undefined) return void req.pipe(res);
  const throttle = new Throttle(bytesPerSecond);
  res.on('close', () => throttle.destroy());
  req.pipe(throttle).pipe(res);
}
