/**
 * Server-sent events: one event per interval (100 ms by default) with consecutive ids and data
 * that is a pure function of the id (content.ts), so a client sees gaps and corrupted events.
 * Each event carries `sent:` — the epoch ms it was written — so a client can tell how late it came
 * (EventSource ignores fields it does not know).
 * Resumes after Last-Event-ID. A client that does not read delays the next tick (ids never skip).
 */
import { sseEventData } from '../content.js';
import { BadRequest, intParam, type DemoRequest, type DemoResponse } from '../types.js';

/** Browsers reconnect this many ms after the stream drops (the SSE `retry:` field). */
const RETRY_MS = 250;

export function serveEvents(req: DemoRequest, res: DemoResponse, url: URL): void {
  const interval = intParam(url, 'interval', 100, 5, 60_000);
  const limit = intParam(url, 'limit', Number.MAX_SAFE_INTEGER, 1, Number.MAX_SAFE_INTEGER);
  const last = lastEventId(req, url);
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
  });
  res.write(`retry: ${RETRY_MS}\n\n`);
  let id = last;
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    timer = undefined;
    id += 1;
    sent += 1;
    const flushed = res.write(`id: ${id}\nsent: ${Date.now()}\ndata: ${sseEventData(id)}\n\n`);
    if (sent >= limit) {
      res.end();
    } else if (flushed) {
      timer = setTimeout(tick, interval);
    } else {
      res.once('drain', () => {
        if (!res.destroyed) timer = setTimeout(tick, interval);
      });
    }
  };
  timer = setTimeout(tick, interval);
  res.on('close', () => {
    if (timer) clearTimeout(timer);
  });
}

function lastEventId(req: DemoRequest, url: URL): number {
  const header = req.headers['last-event-id'];
  const raw = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('lastEventId');
  if (raw === undefined || raw === null || raw === '') return 0;
  if (!/^\d+$/.test(raw)) throw new BadRequest(`Last-Event-ID ${raw} is not a non-negative integer`);
  return Number(raw);
}
