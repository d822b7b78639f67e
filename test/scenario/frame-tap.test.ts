import http2 from 'node:http2';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { countVideoMismatches } from '../../origin/content.js';
import { openSession } from '../../scenario/client-session.js';
import { FrameScanner, FrameTap, FrameTapRelay, type GoawayFrame, type ResetFrame, type UnparsableFrame } from '../../scenario/frame-tap.js';
import { frameProblem } from '../../scenario/unparsable-frame.js';
import { CLIENT_PREFACE, ErrorCode, FrameType } from '../../h2/frame/constants.js';
import { dataFrame, goawayFrame, headersFrame, rstFrame, settingsFrame } from '../helpers/raw-h2.js';
import { lateResetThenOversized, OVERSIZED } from './late-reset-bytes.js';

let origin: DemoOrigin;
let relay: FrameTapRelay;
beforeAll(async () => {
  origin = await startDemoOrigin({ tls: { host: '127.0.0.1', port: 0 } });
  relay = await FrameTapRelay.start();
});
afterAll(async () => {
  await relay.close();
  await origin.close();
});

function get(session: ReturnType<typeof openSession>, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

describe('FrameTapRelay', () => {
  it('carries TLS h2 sessions with browser windows, byte-exact under load while streams are cancelled', async () => {
    const session = openSession({ url: origin.urls.tls! }, { relay, events: { onClientGoaway: () => {} } });
    try {
      // Ranges cancelled right after their first bytes, beside the ones read in full: the load
      // under which a session over a JS stream delivered stale bytes.
      for (let i = 0; i < 20; i++) {
        const cancelled = session.request({ ':path': '/video', range: `bytes=${i * 99_991}-` });
        cancelled.on('error', () => {});
        cancelled.once('data', () => cancelled.close(http2.constants.NGHTTP2_CANCEL));
      }
      const bodies = await Promise.all([0, 1, 2, 3].map((i) => get(session, `/video?size=${3_000_000 + i}`)));
      bodies.forEach((body, i) => expect(countVideoMismatches(body, 0), `body ${i}`).toBe(0));
      expect(bodies.map((b) => b.length)).toEqual([3_000_000, 3_000_001, 3_000_002, 3_000_003]);
      expect(session.state.effectiveLocalWindowSize).toBe(15 * 1024 * 1024);
    } finally {
      session.destroy();
    }
  });

  it('sees the GOAWAY our own client sends on a framing violation, with the culprit frame', async () => {
    // A raw server: SETTINGS, then a DATA frame on stream 0 (a connection error, RFC 9113 §6.1).
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => {
        socket.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]));
        socket.write(Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0]));
        socket.write(Buffer.from([0, 0, 4, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const seen = await new Promise<{ frame: GoawayFrame; last?: string }>((resolve) => {
      const session = openSession(
        { url: `h2c://127.0.0.1:${port}` },
        {
          relay,
          events: {
            onClientGoaway: (frame, last) => {
              session.destroy();
              resolve({ frame, last });
            },
          },
        },
      );
      session.on('error', () => {});
      session.request({ ':path': '/' }).on('error', () => {});
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(seen.frame.code).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(seen.last).toBe('DATA stream=0 length=4 flags=0x0');
  });

  it('names the first frame header the client cannot parse, with its bytes, though valid frames followed it', async () => {
    // SETTINGS, then in one write: a frame header declaring an unknown type 0x28 and 20 bytes on a
    // stream the client never opened — harmless — then DATA on stream 0 (the bad one), then a PING.
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => {
        socket.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]));
        const unknown = Buffer.concat([Buffer.from([0, 0, 20, 0x28, 0, 0x52, 0xd2, 0xd0, 0xee]), Buffer.alloc(20)]);
        const data0 = Buffer.from([0, 0, 4, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
        const ping = Buffer.from([0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
        socket.write(Buffer.concat([unknown, data0, ping]));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const bad: UnparsableFrame[] = [];
    const goaway = await new Promise<GoawayFrame>((resolve) => {
      const session = openSession(
        { url: `h2c://127.0.0.1:${port}` },
        {
          relay,
          events: {
            onUnparsableFrame: (frame) => bad.push(frame),
            onClientGoaway: (frame) => {
              session.destroy();
              resolve(frame);
            },
          },
        },
      );
      session.on('error', () => {});
      session.request({ ':path': '/' }).on('error', () => {});
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(goaway.code).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(bad).toEqual([
      { header: { type: 0, flags: 0, length: 4, streamId: 0 }, bytesHex: '000004000000000000', kind: 'protocol', problem: 'must be on a stream, not stream 0' },
    ]);
  });
});

/**
 * A raw server on 127.0.0.1 that, once the client's HEADERS for stream `afterStream` has arrived,
 * writes `bytes` in one write. Resolves with its port and a close function.
 */
async function rawServerAfterHeaders(afterStream: number, bytes: Buffer): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    const scanner = new FrameScanner(CLIENT_PREFACE.length, {
      header: (h) => {
        if (h.type === FrameType.HEADERS && h.streamId === afterStream) socket.write(bytes);
      },
    });
    socket.on('data', (chunk: Buffer) => scanner.push(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('node:http2 (nghttp2) on a DATA before its response HEADERS', () => {
  // One write: SETTINGS, stream 1's response HEADERS (:status 200), DATA on stream 3 (no HEADERS
  // yet), then (`oversized`) an oversized header — what a reused buffer put on the wire once.
  const bytes = (oversized: boolean): Buffer =>
    Buffer.concat([settingsFrame([]), headersFrame(1, Buffer.from([0x88]), { endStream: false }), dataFrame(3, Buffer.alloc(100, 2)), oversized ? OVERSIZED : Buffer.alloc(0)]);

  interface Seen {
    goaway?: GoawayFrame;
    bad: UnparsableFrame[];
    excused: number[];
  }

  /**
   * Opens streams 1 and 3 and gets `bytes` back; `resetOnResponse`: resets stream 3 when stream
   * 1's response comes. Ends at the client's GOAWAY, or (`untilExcused`) at the relay's excuse.
   */
  async function run(bytes: Buffer, resetOnResponse: boolean, untilExcused = false): Promise<Seen> {
    const server = await rawServerAfterHeaders(3, bytes);
    const seen: Seen = { bad: [], excused: [] };
    // Our own destroy() sends GOAWAY(NO_ERROR): not what the test looks for.
    let ended = false;
    await new Promise<void>((resolve) => {
      const end = (): void => {
        ended = true;
        session.destroy();
        resolve();
      };
      const session = openSession(
        { url: `h2c://127.0.0.1:${server.port}` },
        {
          relay,
          events: {
            onUnparsableFrame: (frame) => seen.bad.push(frame),
            onStreamStateExcused: (streamId) => {
              seen.excused.push(streamId);
              if (untilExcused) end();
            },
            onClientGoaway: (frame) => {
              if (ended) return;
              seen.goaway = frame;
              end();
            },
          },
        },
      );
      session.on('error', () => {});
      const first = session.request({ ':path': '/1' });
      const second = session.request({ ':path': '/3' });
      first.on('error', () => {});
      second.on('error', () => {});
      // Stream 1's response comes in the same chunk as stream 3's DATA: the client resets stream 3
      // before it reads that DATA, and its RST_STREAM reaches the relay after the DATA passed it.
      // Not with CANCEL: node defers a CANCEL submitted while it reads a chunk to the chunk's end.
      if (resetOnResponse) first.once('response', () => second.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    });
    await server.close();
    return seen;
  }

  it('answers it with GOAWAY PROTOCOL_ERROR while the stream waits for its HEADERS: the stream-state header is the culprit', async () => {
    const { goaway, bad, excused } = await run(bytes(true), false);
    expect(goaway?.code).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(excused).toEqual([]);
    expect(bad.map((f) => [f.kind, f.problem])).toEqual([
      ['stream-state', 'DATA on stream 3 before its response HEADERS'],
      ['framing', 'exceeds SETTINGS_MAX_FRAME_SIZE 16384'],
    ]);
  });

  it("ignores it on a stream the client had reset though the relay saw the reset later: the GOAWAY is the oversized header's FRAME_SIZE_ERROR", async () => {
    const { goaway, bad } = await run(bytes(true), true);
    expect(goaway?.code).toBe(ErrorCode.FRAME_SIZE_ERROR);
    expect(bad.map((f) => [f.kind, f.problem])).toEqual([
      ['stream-state', 'DATA on stream 3 before its response HEADERS'],
      ['framing', 'exceeds SETTINGS_MAX_FRAME_SIZE 16384'],
    ]);
  });

  it('ignores it on a stream the client had reset, and the relay excuses it when that RST_STREAM goes by; the connection lives on', async () => {
    const { goaway, bad, excused } = await run(bytes(false), true, true);
    expect(goaway).toBeUndefined();
    expect(bad.map((f) => [f.kind, f.problem])).toEqual([['stream-state', 'DATA on stream 3 before its response HEADERS']]);
    expect(excused).toEqual([3]);
  });
});

describe('frameProblem', () => {
  it('names the rule a header breaks for our client and the GOAWAY code it answers, and lets valid and unknown-but-harmless headers pass', () => {
    const h = (type: number, length: number, streamId: number) => ({ type, flags: 0, length, streamId });
    const seen = { highestClientStream: 11, answered: new Set([1, 3, 7]), resetByClient: new Set([9]) };
    expect(frameProblem(h(0x28, 8_331_436, 1_390_042_606), seen)).toEqual({ kind: 'framing', rule: 'exceeds SETTINGS_MAX_FRAME_SIZE 16384' });
    expect(frameProblem(h(6, 7, 0), seen)).toEqual({ kind: 'framing', rule: 'payload must be 8 bytes' });
    expect(frameProblem(h(0, 100, 13), seen)).toEqual({ kind: 'protocol', rule: 'on stream 13, which the client never opened (its highest is 11)' });
    expect(frameProblem(h(1, 100, 4), seen)).toEqual({ kind: 'protocol', rule: 'on an even stream, which only a push opens (push is disabled)' });
    expect(frameProblem(h(5, 40, 3), seen)).toEqual({ kind: 'protocol', rule: 'a PUSH_PROMISE, and push is disabled' });
    expect(frameProblem(h(0, 4, 0), seen)).toEqual({ kind: 'protocol', rule: 'must be on a stream, not stream 0' });
    expect(frameProblem(h(0, 1000, 5), seen)).toEqual({ kind: 'stream-state', rule: 'DATA on stream 5 before its response HEADERS' });
    // A stream our client reset: nghttp2 ignores what the server still sends on it.
    expect(frameProblem(h(0, 1000, 9), seen)).toBeUndefined();
    expect(frameProblem(h(0, 16_384, 7), seen)).toBeUndefined();
    expect(frameProblem(h(1, 100, 5), seen)).toBeUndefined();
    expect(frameProblem(h(0x28, 20, 99), seen)).toBeUndefined();
  });
});

describe('FrameTap', () => {
  it('keeps the first bad header of each kind: a DATA before HEADERS does not hide the oversized header after it', () => {
    const { fromClient, fromTarget } = lateResetThenOversized();
    // The target's bytes cut at every boundary: the verdicts do not depend on how TCP chunks them.
    for (let cut = 0; cut <= fromTarget.length; cut++) {
      const bad: UnparsableFrame[] = [];
      const goaways: GoawayFrame[] = [];
      const resets: [string, ResetFrame][] = [];
      const excused: number[] = [];
      const tap = new FrameTap({
        onUnparsableFrame: (f) => bad.push(f),
        onClientGoaway: (f) => goaways.push(f),
        onReset: (side, f) => resets.push([side, f]),
        onStreamStateExcused: (streamId) => excused.push(streamId),
      });
      tap.fromClient(fromClient[0]!);
      tap.fromTarget(fromTarget.subarray(0, cut));
      tap.fromTarget(fromTarget.subarray(cut));
      tap.fromClient(fromClient[1]!);
      expect(bad).toEqual([
        { header: { type: 0, flags: 0, length: 100, streamId: 5 }, bytesHex: '000064000000000005', kind: 'stream-state', problem: 'DATA on stream 5 before its response HEADERS' },
        { header: { type: 0x28, flags: 0, length: 8_331_436, streamId: 1_591_320_814 }, bytesHex: OVERSIZED.toString('hex'), kind: 'framing', problem: 'exceeds SETTINGS_MAX_FRAME_SIZE 16384' },
      ]);
      expect(resets).toEqual([['client', { streamId: 5, code: ErrorCode.CANCEL }]]);
      // The client's reset of stream 5 went by after its DATA, before the GOAWAY: the client had ignored that DATA.
      expect(excused).toEqual([5]);
      expect(goaways).toEqual([{ lastStreamId: 0, code: ErrorCode.FRAME_SIZE_ERROR }]);
    }
  });

  it("once the client's reset excuses a DATA before HEADERS, reports the next one; a reset after the GOAWAY excuses nothing", () => {
    const bad: UnparsableFrame[] = [];
    const excused: number[] = [];
    const tap = new FrameTap({ onUnparsableFrame: (f) => bad.push(f), onClientGoaway: () => {}, onStreamStateExcused: (id) => excused.push(id) });
    tap.fromClient(Buffer.concat([CLIENT_PREFACE, headersFrame(1, Buffer.from([0x82])), headersFrame(3, Buffer.from([0x82])), headersFrame(5, Buffer.from([0x82]))]));
    tap.fromTarget(dataFrame(1, Buffer.alloc(4)));
    tap.fromClient(rstFrame(1));
    tap.fromTarget(Buffer.concat([dataFrame(3, Buffer.alloc(4)), dataFrame(5, Buffer.alloc(4))]));
    tap.fromClient(Buffer.concat([rstFrame(5), goawayFrame(0, ErrorCode.PROTOCOL_ERROR), rstFrame(3)]));
    // Stream 5's reset excuses nothing (stream 3's DATA is the one reported), stream 3's comes after the GOAWAY.
    expect(bad.map((f) => f.problem)).toEqual(['DATA on stream 1 before its response HEADERS', 'DATA on stream 3 before its response HEADERS']);
    expect(excused).toEqual([1]);
  });

  it('reports nothing after the client GOAWAY, and a second header of a kind already reported not at all', () => {
    const bad: UnparsableFrame[] = [];
    const tap = new FrameTap({ onUnparsableFrame: (f) => bad.push(f), onClientGoaway: () => {}, onStreamStateExcused: () => expect.unreachable() });
    tap.fromClient(Buffer.concat([CLIENT_PREFACE, headersFrame(1, Buffer.from([0x82]))]));
    tap.fromTarget(Buffer.concat([dataFrame(1, Buffer.alloc(4)), dataFrame(3, Buffer.alloc(4)), dataFrame(0, Buffer.alloc(4))]));
    tap.fromClient(goawayFrame(0, ErrorCode.PROTOCOL_ERROR));
    tap.fromTarget(OVERSIZED);
    expect(bad.map((f) => [f.kind, f.problem])).toEqual([
      ['stream-state', 'DATA on stream 1 before its response HEADERS'],
      ['protocol', 'on stream 3, which the client never opened (its highest is 1)'],
    ]);
  });
});

describe('FrameScanner', () => {
  it('finds a GOAWAY and an RST_STREAM split across chunks at every boundary', () => {
    const goaway = Buffer.from([0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 6]);
    const reset = Buffer.from([0, 0, 4, 3, 0, 0, 0, 0, 9, 0, 0, 0, 7]);
    const ping = Buffer.from([0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const bytes = Buffer.concat([ping, goaway, reset, ping]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const goaways: GoawayFrame[] = [];
      const resets: ResetFrame[] = [];
      const scanner = new FrameScanner(0, { goaway: (f) => goaways.push(f), reset: (f) => resets.push(f) });
      scanner.push(bytes.subarray(0, cut));
      scanner.push(bytes.subarray(cut));
      expect(goaways).toEqual([{ lastStreamId: 5, code: 6 }]);
      expect(resets).toEqual([{ streamId: 9, code: 7 }]);
      expect(scanner.describeLast()).toBe('PING stream=0 length=8 flags=0x0');
    }
  });
});
