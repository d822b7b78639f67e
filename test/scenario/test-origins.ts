/**
 * Demo origins that misbehave on purpose, so a test knows the truth the report must find:
 * - resetSseOnCancel: every client cancel of a /video stream resets the SSE streams of the same
 *   connection with RST_STREAM(INTERNAL_ERROR) — the collateral damage, as an origin bug.
 * - corruptVideo: flips given bytes of every /video response body.
 * - refuseSome: refuses every third /video stream with RST_STREAM(REFUSED_STREAM) and answers
 *   every third /small request 503 — an origin failing streams one by one, connection intact.
 * Each counts what it actually did (only while `armed`, so that the end of a run, when the client
 * cancels everything, does not blur the count).
 */
import http2 from 'node:http2';
import { createDemoHandler } from '../../origin/handler.js';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import type { DemoHandler, DemoRequest, DemoResponse } from '../../origin/types.js';

export interface Misbehaving {
  origin: DemoOrigin;
  /** How many times the origin did its misdeed (SSE streams reset, or bytes flipped). */
  count: number;
  armed: boolean;
}

const demo = createDemoHandler({ videoSize: 64 * 1024 * 1024 });
const pathOf = (req: DemoRequest): string => new URL(req.url ?? '/', 'http://x').pathname;

export async function resetSseOnCancel(): Promise<Misbehaving> {
  const state: Misbehaving = { origin: undefined as never, count: 0, armed: true };
  const sseBySession = new WeakMap<http2.Http2Session, Set<http2.ServerHttp2Stream>>();
  const handler: DemoHandler = (req, res) => {
    const stream = (req as unknown as http2.Http2ServerRequest).stream;
    const set = sseBySession.get(stream.session!) ?? new Set();
    sseBySession.set(stream.session!, set);
    if (pathOf(req) === '/events') {
      set.add(stream);
      stream.once('close', () => set.delete(stream));
    } else if (pathOf(req) === '/video') {
      stream.once('close', () => {
        if (stream.rstCode !== http2.constants.NGHTTP2_CANCEL || !state.armed) return;
        // Not from inside the close callback: node:http2 spins when a stream is reset there.
        setImmediate(() => {
          for (const sse of set) {
            if (sse.closed || sse.destroyed) continue;
            sse.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
            state.count++;
          }
        });
      });
    }
    demo(req, res);
  };
  state.origin = await startDemoOrigin({ tls: { host: '127.0.0.1', port: 0 }, handler });
  return state;
}

export async function corruptVideo(bodyIndexes: readonly number[]): Promise<Misbehaving> {
  const state: Misbehaving = { origin: undefined as never, count: 0, armed: true };
  const handler: DemoHandler = (req: DemoRequest, res: DemoResponse) => {
    if (pathOf(req) === '/video') {
      let written = 0;
      const write = res.write.bind(res) as (chunk: Buffer, cb?: () => void) => boolean;
      res.write = ((chunk: Buffer, ...rest: unknown[]) => {
        const copy = Buffer.from(chunk);
        for (const i of bodyIndexes) {
          if (i >= written && i < written + copy.length && state.armed) {
            copy[i - written] = copy[i - written]! ^ 0x5a;
            state.count++;
          }
        }
        written += copy.length;
        return write(copy, ...(rest as [() => void]));
      }) as typeof res.write;
    }
    demo(req, res);
  };
  state.origin = await startDemoOrigin({ tls: { host: '127.0.0.1', port: 0 }, h2c: { host: '127.0.0.1', port: 0 }, handler });
  return state;
}

export interface Refusing extends Misbehaving {
  /** Of `count`: /video streams refused and /small requests answered 503. */
  refused: number;
  unavailable: number;
}

export async function refuseSome(): Promise<Refusing> {
  const state: Refusing = { origin: undefined as never, count: 0, armed: true, refused: 0, unavailable: 0 };
  // The first of each (the preflight's) is served, so the run is testable.
  const seen = { video: 0, small: 0 };
  const handler: DemoHandler = (req, res) => {
    const path = pathOf(req);
    if (path === '/video' && ++seen.video % 3 === 0 && state.armed) {
      (req as unknown as http2.Http2ServerRequest).stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      state.refused++;
      state.count++;
      return;
    }
    if (path === '/small' && ++seen.small % 3 === 0 && state.armed) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('busy\n');
      state.unavailable++;
      state.count++;
      return;
    }
    demo(req, res);
  };
  state.origin = await startDemoOrigin({ tls: { host: '127.0.0.1', port: 0 }, h2c: { host: '127.0.0.1', port: 0 }, handler });
  return state;
}

/** Disarms the origin `guardMs` before the run's end, so every misdeed lands while the run watches. */
export function disarmBefore(state: Misbehaving, durationMs: number, guardMs: number): NodeJS.Timeout {
  return setTimeout(() => (state.armed = false), durationMs - guardMs);
}
