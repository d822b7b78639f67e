/** A small fixed body (the first bytes of the demo video, so it is checkable the same way). */
import { smallBody } from '../content.js';
import { intParam, type DemoRequest, type DemoResponse } from '../types.js';

const DEFAULT_SMALL_SIZE = 1024;
const MAX_SMALL_SIZE = 16 * 1024 * 1024;

export function serveSmall(req: DemoRequest, res: DemoResponse, url: URL): void {
  const size = intParam(url, 'size', DEFAULT_SMALL_SIZE, 0, MAX_SMALL_SIZE);
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': size,
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : smallBody(size));
}
