import http2 from 'node:http2';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { countVideoMismatches } from '../../origin/content.js';
import { openSession } from '../../scenario/client-session.js';
import { FrameScanner, FrameTapRelay, type GoawayFrame, type ResetFrame } from '../../scenario/frame-tap.js';
import { ErrorCode } from '../../h2/frame/constants.js';

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
