/**
 * The frame-fault flags of `h2race proxy` (run in-process through proxyMain) acting on real
 * traffic: `--rst-inject /video@1s` cancels a real node:http2 client's /video stream with
 * RST_STREAM(CANCEL) — client and origin both see it — while another stream on the same
 * connection completes; `--rst-delay` holds the client's own cancel before the origin sees it;
 * with `--api` the flags arrive as the API proxy's toxics and act the same.
 */
import { once } from 'node:events';
import * as http2 from 'node:http2';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../cli/exit-codes.js';
import type { ProxyArgs } from '../../cli/proxy-command.js';
import { firstVideoMismatch } from '../../origin/content.js';
import { createDemoHandler } from '../../origin/handler.js';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { connectH2, get, request } from '../helpers/h2-client.js';
import { testCert } from '../helpers/tls-cert.js';
import { waitFor } from '../helpers/wait.js';
import { startProxyCommand } from './proxy-command.js';

/** 8 MiB at 256 KiB/s: 32 s in whole, so a cancel always meets it under way. */
const VIDEO = '/video?size=8388608&rate=262144';
const VIDEO_SIZE = 8 * 1024 * 1024;

/** How each origin stream ended, by URL: when (performance.now()) and with which RST code. */
const originCloses = new Map<string, { at: number; rstCode: number }>();
let origin: DemoOrigin;
let cert: { certPath: string; keyPath: string };
const stateDir = mkdtempSync(join(tmpdir(), 'h2race-frame-flags-'));

beforeAll(async () => {
  cert = await testCert();
  const routes = createDemoHandler();
  origin = await startDemoOrigin({
    h2c: { host: '127.0.0.1', port: 0 },
    handler: (req, res) => {
      const stream = (res as unknown as http2.Http2ServerResponse).stream;
      res.once('close', () => originCloses.set(req.url ?? '', { at: performance.now(), rstCode: stream.rstCode ?? -1 }));
      routes(req, res);
    },
  });
});
afterAll(async () => {
  await origin.close();
});

/** Runs `h2race proxy` until stop(); resolves with the TLS URL (and the API's) once it is up. */
async function startCommand(extra: Partial<ProxyArgs>) {
  const { stdout, stderr, stop, exit } = startProxyCommand({
    origin: origin.urls.h2c!,
    cert: cert.certPath,
    key: cert.keyPath,
    'state-dir': stateDir,
    ...extra,
  });
  await waitFor('the startup line', () => stdout.length > 0 || stderr.length > 0, 10_000);
  expect(stderr).toEqual([]);
  const url = /^h2race proxy on (https:\/\/\S+)/.exec(stdout[0]!)?.[1];
  const api = /Toxiproxy API on (http:\/\/\S+)/.exec(stdout[0]!)?.[1];
  expect(url, stdout[0]).toBeDefined();
  return {
    url: url!,
    api,
    async close() {
      stop();
      expect(await exit).toBe(0);
    },
  };
}

/**
 * On one connection: /video, then /small once /video's response has started. /small must come
 * back whole while /video is still under way; /video must then end in RST_STREAM(CANCEL) at the
 * client and at the origin, no earlier than `afterMs` after its response began.
 */
async function expectVideoCancelledBesideSmall(url: string, afterMs: number): Promise<void> {
  const session = await connectH2(url);
  try {
    const video = request(session, VIDEO);
    video.on('error', () => {});
    let received = 0;
    video.on('data', (c: Buffer) => (received += c.length));
    const videoClosed = once(video, 'close').then(() => performance.now());
    await once(video, 'response');
    const responseAt = performance.now();

    const small = await get(session, '/small?size=20000');
    expect(small.status).toBe(200);
    expect(small.body.length).toBe(20000);
    expect(firstVideoMismatch(small.body, 0)).toBe(-1);
    expect(video.closed, '/small finished while /video was under way').toBe(false);

    const closedAt = await videoClosed;
    expect(video.rstCode).toBe(http2.constants.NGHTTP2_CANCEL);
    // The timer starts as the proxy sends the response HEADERS, a little before the client sees them.
    expect(closedAt - responseAt).toBeGreaterThanOrEqual(afterMs - 100);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(VIDEO_SIZE);
    await waitFor('the origin to see /video end', () => originCloses.has(VIDEO));
    expect(originCloses.get(VIDEO)!.rstCode).toBe(http2.constants.NGHTTP2_CANCEL);

    // The connection outlives the cancel.
    expect((await get(session, '/small?size=100')).status).toBe(200);
    expect(session.destroyed).toBe(false);
  } finally {
    session.destroy();
  }
}

describe('h2race proxy with frame-fault flags', () => {
  it('--rst-inject /video@1s: the client’s /video gets RST_STREAM(CANCEL), /small on the same connection completes', async () => {
    originCloses.clear();
    const proxy = await startCommand({ rstInject: '/video@1s' });
    try {
      await expectVideoCancelledBesideSmall(proxy.url, 1000);
    } finally {
      await proxy.close();
    }
  });

  it('--rst-delay 400ms: the origin sees the client’s cancel no earlier than the delay', async () => {
    originCloses.clear();
    const proxy = await startCommand({ rstDelay: '400ms' });
    const session = await connectH2(proxy.url);
    try {
      const video = request(session, VIDEO);
      video.on('error', () => {});
      await once(video, 'data');
      const cancelledAt = performance.now();
      video.close(http2.constants.NGHTTP2_CANCEL);
      await waitFor('the origin to see /video end', () => originCloses.has(VIDEO));
      const seen = originCloses.get(VIDEO)!;
      // Without the delay the origin sees it within a few ms; a timer never fires early by more than 1 ms.
      expect(seen.at - cancelledAt).toBeGreaterThanOrEqual(395);
      expect(seen.rstCode).toBe(http2.constants.NGHTTP2_CANCEL);
      const small = await get(session, '/small?size=100');
      expect(small.status).toBe(200);
    } finally {
      session.destroy();
      await proxy.close();
    }
  });

  it('--api with --rst-inject: the flag is the API proxy’s toxic, and it cancels the same way', async () => {
    originCloses.clear();
    const proxy = await startCommand({ api: '127.0.0.1:0', rstInject: '/video@1s:100%' });
    try {
      expect(proxy.api).toBeDefined();
      const toxics = (await (await fetch(`${proxy.api}/proxies/h2race/toxics`)).json()) as Array<{ name: string; type: string; stream: string; attributes: object }>;
      expect(toxics).toEqual([
        expect.objectContaining({ name: 'rst_inject_downstream', type: 'rst_inject', stream: 'downstream', attributes: { path: '/video', after: 1000, probability: 1 } }),
      ]);
      await expectVideoCancelledBesideSmall(proxy.url, 1000);
    } finally {
      await proxy.close();
    }
  });

  it('a bad frame-fault flag: a usage error (exit 2), one line naming the flag', async () => {
    const cmd = startProxyCommand({ origin: origin.urls.h2c!, rstInject: '/video@soon' });
    cmd.stop();
    expect(await cmd.exit).toBe(ExitCode.Usage);
    expect(cmd.stderr).toEqual(['h2race proxy: --rst-inject: after: "soon" is not a duration (e.g. 80ms or 1.5s); units: ms, s']);
  });
});
