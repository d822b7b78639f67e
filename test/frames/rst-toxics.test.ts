/** rst_delay and rst_inject on real node:http2 connections. */
import * as http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../h2/frame/constants.js';
import { createBufferPool } from '../../faults/pool/create-pool.js';
import { normalizeToxic } from '../../faults/toxics/registry.js';
import { rstInjectToxic } from '../../faults/toxics/rst-inject.js';
import { SeededRandom } from '../../faults/random.js';
import { pino } from 'pino';
import { closeClient, closeFrameServerAfterEach, connect, get, startFrameServer, type FrameServer } from './harness.js';
import { evidence, frameServerTarget, runSeek, stallUntilRace, STALL_BACKPRESSURE_BYTES, startSeekServer } from './seek-scenario.js';

/** Streams 1 KiB every 20 ms for up to 3 s; records when and how each server stream closed. */
function tricklingServer(tls: boolean, toxics: object[], closes: Map<string, { at: number; rstCode: number }>) {
  return startFrameServer({
    tls,
    pool: createBufferPool('retain'),
    toxics,
    handler: (stream, headers) => {
      const path = String(headers[':path']);
      stream.on('error', () => {});
      stream.once('close', () => closes.set(path, { at: performance.now(), rstCode: stream.rstCode ?? -1 }));
      stream.respond({ ':status': 200 });
      if (path === '/other') {
        stream.end('ok');
        return;
      }
      // The first KiB goes out at once: it reaches the client before any cancel can.
      stream.write(Buffer.alloc(1024, 1));
      let n = 0;
      const timer = setInterval(() => (n++ < 150 && !stream.destroyed ? stream.write(Buffer.alloc(1024, 1)) : stream.end()), 20);
      stream.once('close', () => clearInterval(timer));
    },
  });
}

let server: FrameServer | undefined;
closeFrameServerAfterEach(() => {
  const s = server;
  server = undefined;
  return s;
});

describe.each([false, true])('rst_delay (tls=%s)', (tls) => {
  it('the session sees the client RST_STREAM only after the delay; the connection stays healthy', async () => {
    const closes = new Map<string, { at: number; rstCode: number }>();
    server = await tricklingServer(tls, [{ type: 'rst_delay', attributes: { delay: 300 } }], closes);
    const client = connect(server);
    const req = client.request({ ':path': '/movie' });
    req.on('error', () => {});
    const cancelledAt = await new Promise<number>((resolve) =>
      req.once('data', () => {
        const at = performance.now();
        req.close(http2.constants.NGHTTP2_CANCEL);
        resolve(at);
      }),
    );
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => closes.has('/movie') && (clearInterval(poll), resolve()), 10);
    });
    expect(closes.get('/movie')!.at - cancelledAt).toBeGreaterThanOrEqual(295);
    expect(closes.get('/movie')!.rstCode).toBe(ErrorCode.CANCEL);
    expect(server.seen).toContain('conn 1 RST_STREAM stream=1 code=8');
    expect((await get(client, '/other')).body.toString()).toBe('ok');
    await closeClient(client);
  });
});

describe.each([false, true])('rst_inject (tls=%s)', (tls) => {
  it.each(['/movie', '/^\\/movie\\/[0-9]+$/'])('path %s: both sides see the stream cancelled; others untouched', async (path) => {
    const closes = new Map<string, { at: number; rstCode: number }>();
    server = await tricklingServer(tls, [{ type: 'rst_inject', attributes: { path, after: 100 } }], closes);
    const client = connect(server);
    const started = performance.now();
    const req = client.request({ ':path': '/movie/7' });
    req.on('error', () => {});
    let received = 0;
    req.on('data', (c: Buffer) => (received += c.length));
    const clientRst = await new Promise<number>((resolve) => req.once('close', () => resolve(req.rstCode ?? -1)));
    expect(clientRst).toBe(http2.constants.NGHTTP2_CANCEL);
    expect(closes.get('/movie/7')!.rstCode).toBe(ErrorCode.CANCEL);
    expect(closes.get('/movie/7')!.at - started).toBeGreaterThanOrEqual(95);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(150 * 1024);
    expect(server.seen).toContain('conn 1 RST_STREAM stream=1 code=8 (injected)');
    expect(server.decisions).toEqual([{ conn: 1, toxic: 'rst_inject_downstream', kind: 'cancel', value: { stream: 1, path: '/movie/7', after: 100 } }]);
    expect((await get(client, '/other')).body.toString()).toBe('ok');
    expect(closes.get('/other')!.rstCode).toBe(0);
    await closeClient(client);
  });

  it('an injected cancel triggers release-on-reset like a real one', async () => {
    const pool = createBufferPool('release-on-reset');
    server = await startSeekServer(pool, {
      tls,
      slow: true,
      toxics: [{ type: 'rst_inject', attributes: { path: '/range/x', after: 30 } }],
      backpressureBytes: STALL_BACKPRESSURE_BYTES,
    });
    const toxics = server.toxics;
    // X's frames stay in the stalled link until the injected cancel has let their buffers go.
    const outcome = await runSeek(frameServerTarget(server), { cancelX: false, onXRequested: () => stallUntilRace(toxics, pool) });
    const why = evidence(outcome, pool, server.seen);
    expect(server.seen.some((s) => s.includes('(injected)')), why).toBe(true);
    expect(pool.stats().racesReusedWhilePending, why).toBeGreaterThan(0);
    expect(outcome.connectionDied, why).toBe(true);
  });

  it('a bad regex is refused, naming the field', () => {
    expect(() => normalizeToxic({ type: 'rst_inject', attributes: { path: '/(/' } })).toThrow(/attributes\.path/);
  });
});

describe('rst_inject decisions', () => {
  it('the same seed picks the same streams; another seed others', () => {
    const picks = (seed: number): number[] => {
      const picked: number[] = [];
      const instance = rstInjectToxic.impl.open(rstInjectToxic.schema.parse({ path: '/v', probability: 0.5 }), {
        rng: new SeededRandom(seed, 'rst_inject'),
        log: pino({ level: 'silent' }),
        setTimer: () => {},
        record: (_kind, value) => picked.push((value as { stream: number }).stream),
      });
      for (let id = 1; id < 200; id += 2) instance.responseStarted!({ id, path: id % 3 === 0 ? '/other' : '/v/1' }, () => {});
      return picked;
    };
    expect(picks(5)).toEqual(picks(5));
    expect(picks(5)).not.toEqual(picks(6));
    expect(picks(5).every((id) => id % 3 !== 0)).toBe(true);
    expect(picks(5).length).toBeGreaterThan(20);
    expect(picks(5).length).toBeLessThan(50);
  });
});
