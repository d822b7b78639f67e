/**
 * Serves a BodySource with single-range support: 200 or 206 with Content-Range, 416 for an
 * unsatisfiable range, HEAD with headers only, optional pacing. The body stream ends with the
 * response: when the client resets the stream, 'close' destroys the source.
 */
import { parseRange } from '../range.js';
import { Throttle } from '../throttle.js';
import type { BodySource } from '../body-source.js';
import type { DemoRequest, DemoResponse } from '../types.js';

export function serveRanged(req: DemoRequest, res: DemoResponse, source: BodySource, rate?: number): void {
  const parsed = parseRange(req.headers.range, source.size);
  if (parsed.kind === 'unsatisfiable') {
    res.writeHead(416, { 'content-range': `bytes */${source.size}`, 'accept-ranges': 'bytes' });
    res.end();
    return;
  }
  const { start, end } = parsed.kind === 'partial' ? parsed.range : { start: 0, end: source.size - 1 };
  const length = end - start + 1;
  const headers: Record<string, string | number> = {
    'content-type': source.contentType,
    'content-length': Math.max(0, length),
    'accept-ranges': 'bytes',
    'cache-control': 'no-store',
  };
  if (parsed.kind === 'partial') headers['content-range'] = `bytes ${start}-${end}/${source.size}`;
  res.writeHead(parsed.kind === 'partial' ? 206 : 200, headers);
  if (req.method === 'HEAD' || length <= 0) {
    res.end();
    return;
  }
  const body = source.open(start, end);
  const paced = rate === undefined ? body : body.pipe(new Throttle(rate));
  res.on('close', () => {
    body.destroy();
    paced.destroy();
  });
  body.on('error', (err) => res.destroy(err));
  paced.pipe(res);
}
