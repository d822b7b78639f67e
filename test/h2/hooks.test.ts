/**
 * The seams the frame toxics will use: an inbound hook that holds a client's RST_STREAM before
 * the engine acts on it (rst_delay), an outbound hook that reorders frames across streams
 * (reorder), and injectInbound, which makes the engine see a reset the client never sent
 * (rst_inject). Holding and releasing are the test's, so nothing depends on timing.
 */
import { once } from 'node:events';
import * as http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import { ErrorCode, FrameType } from '../../h2/frame/constants.js';
import type { FrameHeader } from '../../h2/frame/codec.js';
import { encodeRstStream } from '../../h2/frame/encode.js';
import type { ConnectionOptions } from '../../h2/proto/connection-options.js';
import type { EmitFrame } from '../../h2/proto/frame-writer.js';
import type { OutboundFrame } from '../../h2/proto/pending-frames.js';
import { connectH2, get, request } from '../helpers/h2-client.js';
import { waitFor } from '../helpers/wait.js';
import { enginePeersPerTest, startEngineServer } from './engine-server.js';
import { createTestApp, patternBytes, type TestApp } from './test-app.js';

const peers = enginePeersPerTest();

async function start(options: ConnectionOptions): Promise<TestApp> {
  const app = createTestApp();
  peers.server = await startEngineServer(app, { tls: true, options });
  peers.session = await connectH2(peers.server.url);
  return app;
}

describe('inbound hook', () => {
  it("holds a client's RST_STREAM until released; the engine acts on it then", async () => {
    const held: Array<() => void> = [];
    const app = await start({
      inboundHook: {
        inbound(header: FrameHeader, frame: Buffer, deliver: (h: FrameHeader, f: Buffer) => void) {
          if (header.type === FrameType.RST_STREAM) held.push(() => deliver(header, frame));
          else deliver(header, frame);
        },
      },
    });
    const stream = request(peers.session!, '/hold');
    await once(stream, 'response');
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await waitFor('the RST_STREAM held', () => held.length === 1);
    // The connection goes on meanwhile, and the held stream is still open on the server.
    expect((await get(peers.session!, '/bytes/100')).body.equals(patternBytes(100))).toBe(true);
    expect(app.streams.find((s) => s.path === '/hold')!.reset).toBeUndefined();
    held.shift()!();
    expect(app.streams.find((s) => s.path === '/hold')!.reset).toEqual({ code: ErrorCode.CANCEL, cause: 'peer' });
  });
});

describe('outbound hook', () => {
  it('DATA reordered across streams (header blocks and each stream in order) still makes whole responses', async () => {
    let reordered = 0;
    const holding: OutboundFrame[] = [];
    await start({
      outboundHook: {
        outbound(frame: OutboundFrame) {
          holding.push(frame);
        },
        flush(emit: EmitFrame) {
          // Header blocks first, in their order (HPACK state is shared: they must never be
          // reordered); then DATA, streams in reverse order, each stream's frames in order.
          const isData = (f: OutboundFrame): boolean => f.header.type === FrameType.DATA;
          const data = holding.filter(isData);
          const streams = [...new Set(data.map((f) => f.header.streamId))].reverse();
          const out = [...holding.filter((f) => !isData(f)), ...streams.flatMap((id) => data.filter((f) => f.header.streamId === id))];
          if (out.some((f, i) => f !== holding[i])) reordered++;
          holding.length = 0;
          out.forEach(emit);
        },
      },
    });
    const sizes = [70_000, 1, 20_000, 5_000, 123_456];
    const responses = await Promise.all(sizes.map((n) => get(peers.session!, `/bytes/${n}`)));
    responses.forEach((r, i) => expect(r.body.equals(patternBytes(sizes[i]!))).toBe(true));
    expect(reordered).toBeGreaterThan(0);
  });
});

describe('injectInbound', () => {
  it('a reset the client never sent reaches the stream as the peer\'s', async () => {
    const peerResets: number[] = [];
    const app = await start({ observer: { onPeerReset: (id) => peerResets.push(id) } });
    const stream = request(peers.session!, '/hold');
    await once(stream, 'response');
    const record = app.streams.find((s) => s.path === '/hold')!;
    peers.server!.connections[0]!.injectInbound(encodeRstStream(record.id, ErrorCode.CANCEL));
    expect(record.reset).toEqual({ code: ErrorCode.CANCEL, cause: 'peer' });
    expect(peerResets).toEqual([record.id]);
  });
});
