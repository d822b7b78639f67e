/**
 * The demo origin's routes, as one handler that any listener (TLS h2 + HTTP/1.1, h2c, HTTP/1.1)
 * can serve. Test origins wrap it to inject misbehaviour around the real routes.
 */
import { DEFAULT_VIDEO_SIZE } from './content.js';
import { fileSource, generatedVideo, type BodySource } from './body-source.js';
import { serveRanged } from './routes/ranged.js';
import { serveEvents } from './routes/events.js';
import { serveSmall } from './routes/small.js';
import { serveEcho } from './routes/echo.js';
import { serveHeaders } from './routes/headers.js';
import { servePage } from './routes/page.js';
import { BadRequest, intParam, type DemoHandler, type DemoRequest, type DemoResponse } from './types.js';

export interface DemoHandlerOptions {
  /** Size of /video when the request gives no `?size=` (default 64 MiB). */
  videoSize?: number;
  /** A real media file served at /video.mp4 and used by the demo page (the browser test's mp4). */
  videoFile?: string;
}

const MAX_VIDEO_SIZE = 2 ** 40;
const MAX_RATE = 2 ** 40;

export function createDemoHandler(opts: DemoHandlerOptions = {}): DemoHandler {
  const defaultSize = opts.videoSize ?? DEFAULT_VIDEO_SIZE;
  if (!Number.isSafeInteger(defaultSize) || defaultSize < 0) {
    throw new RangeError(`videoSize must be a non-negative integer, got ${defaultSize}`);
  }
  const file: BodySource | undefined = opts.videoFile ? fileSource(opts.videoFile, 'video/mp4') : undefined;

  return (req: DemoRequest, res: DemoResponse): void => {
    try {
      route(req, res, new URL(req.url ?? '/', 'http://origin.invalid'));
    } catch (err) {
      if (!(err instanceof BadRequest)) throw err;
      if (res.headersSent) {
        res.destroy(err);
        return;
      }
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${err.message}\n`);
    }
  };

  function route(req: DemoRequest, res: DemoResponse, url: URL): void {
    const method = req.method ?? 'GET';
    const readOnly = method === 'GET' || method === 'HEAD';
    const rate = (): number | undefined =>
      url.searchParams.has('rate') ? intParam(url, 'rate', 0, 1, MAX_RATE) : undefined;
    switch (url.pathname) {
      case '/':
        if (readOnly) return servePage(res, file !== undefined);
        break;
      case '/video':
        if (readOnly) {
          const source = generatedVideo(intParam(url, 'size', defaultSize, 0, MAX_VIDEO_SIZE));
          return serveRanged(req, res, source, rate());
        }
        break;
      case '/video.mp4':
        if (!file) return notFound(res, 'no video file configured (videoFile option)');
        if (readOnly) return serveRanged(req, res, file, rate());
        break;
      case '/events':
        if (method === 'GET') return serveEvents(req, res, url);
        break;
      case '/small':
        if (readOnly) return serveSmall(req, res, url);
        break;
      case '/echo':
        return serveEcho(req, res, rate());
      case '/headers':
        if (readOnly) return serveHeaders(req, res);
        break;
      default:
        return notFound(res, `no route ${url.pathname}`);
    }
    res.writeHead(405, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`method ${method} not allowed on ${url.pathname}\n`);
  }
}

function notFound(res: DemoResponse, why: string): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${why}\n`);
}
