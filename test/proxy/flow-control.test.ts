/**
 * Flow control end to end: a client that stops reading holds back only its own upstream stream
 * (the proxy reads it no faster than that client takes it), while another client's download over
 * the same upstream session runs to the end.
 */
import * as http2 from 'node:http2';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunningProxy } from '../../proxy/start.js';
import { patternBytes, sha256 } from '../helpers/bytes.js';
import { collect, connectH2, request, startTestProxy } from '../helpers/h2-client.js';
import { startTestOrigin, type TestOrigin } from '../helpers/origins.js';
import { waitFor } from '../helpers/wait.js';

const MiB = 1024 * 1024;
let origin: TestOrigin;
let proxy: RunningProxy;
const sessions: http2.ClientHttp2Session[] = [];

beforeAll(async () => {
  origin = await startTestOrigin('h2');
  proxy = await startTestProxy(origin.url);
});
afterAll(async () => {
  for (const s of sessions) s.destroy();
  await proxy.close();
  await origin.close();
});

test('a stalled client back-pressures only its own upstream stream', async () => {
  const stalledClient = await connectH2(proxy.url);
  const busyClient = await connectH2(proxy.url);
  sessions.push(stalledClient, busyClient);

  const stalledSize = 32 * MiB;
  const stalled = request(stalledClient, `/bytes?size=${stalledSize}&tag=stalled`);
  let stalledReceived = 0;
  await new Promise<void>((resolve) => {
    stalled.on('data', (c: Buffer) => {
      if (stalledReceived === 0) {
        stalled.pause();
        resolve();
      }
      stalledReceived += c.length;
    });
  });

  const size = 20 * MiB;
  const fast = await collect(request(busyClient, `/bytes?size=${size}&tag=fast`));
  expect(fast.status).toBe(200);
  expect(sha256(fast.body)).toBe(sha256(patternBytes(0, size)));

  const seen = (tag: string) => origin.streams.find((s) => s.path.endsWith(`tag=${tag}`))!;
  // Both rode the same upstream session.
  expect(seen('stalled').connection).toBe(seen('fast').connection);
  expect(origin.connections).toBe(1);
  // The stalled stream is alive, and the origin could only write what the windows and buffers on
  // the way hold (client window + proxy buffers + 1 MiB upstream stream window), not 32 MiB.
  expect(stalled.closed).toBe(false);
  expect(seen('stalled').rstCode).toBeUndefined();
  const heldBack = seen('stalled').written;
  expect(heldBack).toBeLessThan(8 * MiB);

  // Once the client reads again, the rest of its download arrives.
  stalled.resume();
  await waitFor('the stalled download to finish after resuming', () => stalled.readableEnded, 15_000);
  expect(stalledReceived).toBe(stalledSize);
});

const KiB = 1024;

/** Polls `value` until it has not changed for 300 ms (bounded): what a flow-controlled sender settles at. */
async function settled(value: () => number): Promise<number> {
  let last = -1;
  let since = Date.now();
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const now = value();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= 300) {
      return now;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`still changing after 10 s (at ${last})`);
}

/** Opens a download and pauses it at its first chunk; resolves once the first chunk came. */
async function stalledDownload(session: http2.ClientHttp2Session, path: string): Promise<http2.ClientHttp2Stream> {
  const stream = request(session, path);
  stream.on('error', () => {});
  await new Promise<void>((resolve) => stream.once('data', () => {
    stream.pause();
    resolve();
  }));
  return stream;
}

test('a client that stops reading pins at most the upstream stream window (plus the buffers on its way), not the body', async () => {
  const origin = await startTestOrigin('h2c');
  const upstreamWindow = 256 * KiB;
  const proxy = await startTestProxy(origin.url, { upstream: { settings: { initialWindowSize: upstreamWindow } } });
  const session = await connectH2(proxy.url);
  try {
    const size = 16 * MiB;
    const stalled = await stalledDownload(session, `/bytes?size=${size}&tag=pinned`);
    const seen = () => origin.streams.find((s) => s.path.endsWith('tag=pinned'))!;
    const written = await settled(() => seen().written);
    // What may sit between the origin's writes and the paused client: the client's stream window
    // (64 KiB), the downstream stream's queue and buffer (64 + 32 KiB), the upstream stream window,
    // and the origin's own buffering (a 64 KiB chunk and its writable's 16 KiB).
    expect(written).toBeLessThanOrEqual(64 * KiB + 96 * KiB + upstreamWindow + 80 * KiB);
    expect(stalled.closed).toBe(false);
    const all: Buffer[] = [];
    stalled.on('data', (c: Buffer) => all.push(c));
    stalled.resume();
    await waitFor('the rest of the download', () => stalled.readableEnded, 15_000);
    expect(seen().written).toBe(size);
  } finally {
    session.destroy();
    await proxy.close();
    await origin.close();
  }
});

test('no connection window is lost when clients reset streams whose response bytes the proxy still held', async () => {
  const origin = await startTestOrigin('h2c');
  // Each stalled stream pins up to its 256 KiB window beyond what the client side took: together
  // more than the 512 KiB connection window.
  const proxy = await startTestProxy(origin.url, {
    upstream: { maxSessions: 1, connectionWindowSize: 512 * KiB, settings: { initialWindowSize: 256 * KiB } },
  });
  const session = await connectH2(proxy.url);
  try {
    // Large: the origin is still sending when the client resets. Small (within the stream window):
    // the origin has ended its stream, the proxy holds the tail the client did not take (about
    // 150 KiB) when the client resets.
    for (const [i, size] of [4 * MiB, 200 * KiB, 200 * KiB, 4 * MiB, 200 * KiB, 200 * KiB].entries()) {
      const stalled = await stalledDownload(session, `/bytes?size=${size}&tag=reset-${i}`);
      await settled(() => origin.streams.find((s) => s.path.endsWith(`tag=reset-${i}`))!.written);
      stalled.close(http2.constants.NGHTTP2_CANCEL);
      await waitFor('the reset to reach the proxy', () => stalled.closed);
    }
    // The origin's view of the upstream connection window: all of it is back (the proxy announces
    // credit in steps of half the window at most), nothing pinned by the streams that are gone.
    const [upstream] = origin.sessions;
    await waitFor('the connection window back at the origin', () => upstream!.state.remoteWindowSize! >= 256 * KiB);
    const size = 4 * MiB;
    const last = await collect(request(session, `/bytes?size=${size}&tag=last`));
    expect(last.status).toBe(200);
    expect(sha256(last.body)).toBe(sha256(patternBytes(0, size)));
    expect(origin.connections).toBe(1);
  } finally {
    session.destroy();
    await proxy.close();
    await origin.close();
  }
});

test('no connection window is lost when responses end whole after their bytes waited in the proxy', async () => {
  const origin = await startTestOrigin('h2c');
  // Twenty 200 KiB responses through one upstream session whose connection window is 512 KiB: each
  // response's bytes arrive faster than the proxy writes them to the client (credit owed until the
  // client side takes them), then the response ends whole. Any credit not paid back drains the
  // window for good and a later download stalls.
  const proxy = await startTestProxy(origin.url, {
    upstream: { maxSessions: 1, connectionWindowSize: 512 * KiB, settings: { initialWindowSize: 256 * KiB } },
  });
  const session = await connectH2(proxy.url, { settings: { initialWindowSize: 16 * MiB } });
  session.setLocalWindowSize(64 * MiB);
  try {
    for (let i = 0; i < 20; i++) {
      const size = 200 * KiB;
      const got = await collect(request(session, `/bytes?size=${size}&tag=whole-${i}`));
      expect(got.status).toBe(200);
      expect(got.body.length).toBe(size);
    }
    const [upstream] = origin.sessions;
    await waitFor('the connection window back at the origin', () => upstream!.state.remoteWindowSize! >= 256 * KiB);
    expect(origin.connections).toBe(1);
  } finally {
    session.destroy();
    await proxy.close();
    await origin.close();
  }
});
