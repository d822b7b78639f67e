/**
 * Graceful shutdown of a real `h2race proxy` process: SIGTERM sends GOAWAY(NO_ERROR) whose
 * last-stream-id covers every stream the proxy accepted; those streams finish whole, later ones
 * are never served; streams still running at the deadline are cut; the process exits 0.
 * (test/proxy/shutdown.test.ts covers RunningProxy.close() in-process.)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, SettingId, errorCodeName } from '../../h2/frame/constants.js';
import { createDemoHandler } from '../../origin/handler.js';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { connectRaw, dataFrame, encodeHeaderBlock, headersFrame, requestHeaders, windowUpdateFrame, type RawH2 } from '../helpers/raw-h2.js';
import { testCert } from '../helpers/tls-cert.js';
import { ensureCliBuilt, startProxyProcess, type ProxyProcess } from './proxy-process.js';

const BODY = 300_000;
const MAX_WINDOW = 2 ** 31 - 1;

let origin: DemoOrigin;
let originRequests = 0;
let args: string[];
const running: ProxyProcess[] = [];

beforeAll(async () => {
  ensureCliBuilt();
  const routes = createDemoHandler();
  origin = await startDemoOrigin({
    h2c: { host: '127.0.0.1', port: 0 },
    handler: (req, res) => {
      originRequests++;
      routes(req, res);
    },
  });
  const { certPath, keyPath } = await testCert();
  args = ['--listen', '127.0.0.1:0', '--origin', origin.urls.h2c!, '--cert', certPath, '--key', keyPath];
}, 200_000); // a fresh checkout builds dist first
afterEach(() => {
  for (const p of running.splice(0)) p.kill();
});
afterAll(async () => {
  await origin.close();
});

/** A raw client with windows wide open, so the proxy's writes never wait for it. */
async function openClient(port: number): Promise<RawH2> {
  const c = await connectRaw({ port, settings: [[SettingId.INITIAL_WINDOW_SIZE, MAX_WINDOW]] });
  await c.send(windowUpdateFrame(0, MAX_WINDOW - 65_535));
  return c;
}

function get(c: RawH2, id: number, path: string): Promise<void> {
  return c.send(headersFrame(id, encodeHeaderBlock(requestHeaders(path, '127.0.0.1'))));
}

/**
 * h2race's engine closes with two GOAWAYs (§6.8): the first, 2^31-1, announces the close, the
 * final one (after a PING round trip) names the last stream.
 */
async function finalGoaway(c: RawH2) {
  const first = await c.waitForGoaway(10_000);
  expect(first && errorCodeName(first.errorCode)).toBe('NO_ERROR');
  expect(first!.lastStreamId).toBe(MAX_WINDOW);
  await c.waitFor(() => c.lastGoaway!.lastStreamId !== MAX_WINDOW, 10_000);
  return c.lastGoaway;
}

describe('SIGTERM to h2race proxy (dist/cli/main.js)', () => {
  it('GOAWAY(NO_ERROR) covering every accepted stream; those finish whole, later ones are not served; exit 0', async () => {
    const proxy = await startProxyProcess(args);
    running.push(proxy);
    const c = await openClient(proxy.port);
    // Ten paced downloads (about 0.5 s each) in flight at the origin...
    const before = originRequests;
    for (let id = 1; id <= 19; id += 2) await get(c, id, `/video?size=${BODY}&rate=600000`);
    await expect.poll(() => originRequests - before, { timeout: 10_000 }).toBe(10);
    // ...then SIGTERM with ten more requests racing it on the wire.
    proxy.child.kill('SIGTERM');
    for (let id = 21; id <= 39; id += 2) await get(c, id, `/video?size=${BODY}&rate=600000`);

    const goaway = await finalGoaway(c);
    expect(goaway && errorCodeName(goaway.errorCode)).toBe('NO_ERROR');
    const last = goaway!.lastStreamId;
    expect(last).toBeGreaterThanOrEqual(19);
    expect(last).toBeLessThanOrEqual(39);
    expect(await c.waitForClose(15_000)).toBe(true);

    const accepted = Array.from({ length: 20 }, (_, i) => 1 + 2 * i).filter((id) => id <= last);
    const notAccepted = Array.from({ length: 20 }, (_, i) => 1 + 2 * i).filter((id) => id > last);
    for (const id of accepted) {
      expect({ id, ended: c.ended.has(id), bytes: c.dataBytes.get(id) ?? 0, rst: c.resets.get(id) }).toEqual({ id, ended: true, bytes: BODY, rst: undefined });
    }
    for (const id of notAccepted) {
      expect({ id, bytes: c.dataBytes.get(id) ?? 0, ended: c.ended.has(id) }).toEqual({ id, bytes: 0, ended: false });
    }
    expect(await proxy.exit).toEqual({ code: 0, signal: null });
    expect(proxy.stderr).toEqual([]);
  });

  it('a client uploading across SIGTERM: GOAWAY(NO_ERROR) naming its stream, the upload and its echo complete, and the client, still writing, is closed without a reset', async () => {
    const proxy = await startProxyProcess(args);
    running.push(proxy);
    const c = await openClient(proxy.port);
    const errors: string[] = [];
    c.socket.on('error', (err: NodeJS.ErrnoException) => errors.push(err.code ?? err.message));
    const UPLOAD = 768 * 1024; // under the proxy's 1 MiB stream window: no WINDOW_UPDATE needed
    const CHUNK = 16 * 1024;
    const before = originRequests;
    await c.send(headersFrame(1, encodeHeaderBlock(requestHeaders('/echo', '127.0.0.1', { method: 'POST', extra: [['content-length', String(UPLOAD)]] })), { endStream: false }));
    // At the origin, the request's windows (the proxy's SETTINGS, its connection WINDOW_UPDATE) are ours.
    await expect.poll(() => originRequests - before, { timeout: 10_000 }).toBe(1);
    let sent = 0;
    const chunk = (): Promise<void> => {
      const n = Math.min(CHUNK, UPLOAD - sent);
      sent += n;
      return c.send(dataFrame(1, Buffer.alloc(n, sent & 0xff), sent === UPLOAD));
    };
    while (sent < UPLOAD / 4) await chunk();
    proxy.child.kill('SIGTERM');
    // The rest of the upload, paced, across the shutdown.
    while (sent < UPLOAD) {
      await chunk();
      await new Promise((r) => setTimeout(r, 2));
    }
    const goaway = await finalGoaway(c);
    expect(goaway).toMatchObject({ errorCode: ErrorCode.NO_ERROR, lastStreamId: 1 });
    expect(await c.waitFor(() => c.ended.has(1), 10_000)).toBe(true);
    // A client with more to ask keeps writing (new streams past the GOAWAY, never served), busy
    // writing and reading only then, while the proxy closes: what it writes meanwhile must not
    // turn into a reset. (Under the proxy's 1 MiB linger bound.)
    c.socket.pause();
    const ask = encodeHeaderBlock(requestHeaders('/small?size=10', '127.0.0.1'));
    for (let id = 3, written = 0; written < 256 * 1024 && c.writable; id += 40) {
      const frames = Buffer.concat(Array.from({ length: 20 }, (_, i) => headersFrame(id + 2 * i, ask)));
      written += frames.length;
      await c.send(frames);
    }
    c.socket.resume();
    expect(await c.waitForClose(15_000)).toBe(true);
    expect({ ended: c.ended.has(1), bytes: c.dataBytes.get(1) ?? 0, rst: c.resets.get(1) }).toEqual({ ended: true, bytes: UPLOAD, rst: undefined });
    expect(errors).toEqual([]);
    expect(await proxy.exit).toEqual({ code: 0, signal: null });
  });

  it('a stream still running at the shutdown deadline is cut; the process exits soon after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'h2race-shutdown-'));
    const config = join(dir, 'h2race.yaml');
    writeFileSync(config, 'proxy:\n  shutdownTimeoutMs: 800\n');
    const proxy = await startProxyProcess([...args, '--config', config]);
    running.push(proxy);
    const c = await openClient(proxy.port);
    const before = originRequests;
    await get(c, 1, '/video?size=5000000&rate=500000'); // 10 s at the origin's pace
    await expect.poll(() => originRequests - before, { timeout: 10_000 }).toBe(1);
    const signalled = performance.now();
    proxy.child.kill('SIGTERM');
    const goaway = await finalGoaway(c);
    expect(goaway).toMatchObject({ errorCode: ErrorCode.NO_ERROR, lastStreamId: 1 });
    expect(await proxy.exit).toEqual({ code: 0, signal: null });
    const tookMs = performance.now() - signalled;
    expect(tookMs).toBeGreaterThanOrEqual(700);
    expect(tookMs).toBeLessThan(6000);
    expect(await c.waitForClose(5000)).toBe(true);
    expect(c.ended.has(1)).toBe(false);
    expect(c.dataBytes.get(1) ?? 0).toBeLessThan(5_000_000);
  });
});
