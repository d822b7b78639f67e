/**
 * Headless Chromium opens a WebSocket through h2race's HTTP/2 front to a `ws` origin. Chromium
 * sends a WebSocket as an RFC 8441 extended CONNECT on an HTTP/2 connection it already holds to
 * the host when that connection advertised SETTINGS_ENABLE_CONNECT_PROTOCOL; so the page is
 * loaded over h2 first, and the stream log shows the WebSocket went as CONNECT on that same
 * connection (not as an HTTP/1.1 Upgrade on a connection of its own).
 * Skipped, with the reason, when chromium is missing.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { createProxyEvents, type StreamEndRecord, type StreamStartRecord } from '../../proxy/events.js';
import { startH2race } from '../../proxy/h2race.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';
import { waitFor } from '../helpers/wait.js';
import { startWsOrigin } from './ws-origin.js';

const CHROMIUM = '/usr/bin/chromium';
const missing = !existsSync(CHROMIUM);
if (missing) console.warn(`browser WebSocket test skipped: ${CHROMIUM} not installed`);

const cleanups = cleanupsAfterEach();

interface PageResult {
  text: string;
  binary: number[];
  closeCode: number;
  closeReason: string;
}

describe.skipIf(missing)('headless Chromium: a WebSocket through the HTTP/2 front (RFC 8441)', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--ignore-certificate-errors'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('text and binary messages echo, the origin\'s close code arrives, and the tunnel is a CONNECT stream of the page\'s h2 connection', async () => {
    const origin = await startWsOrigin('h1');
    cleanups.push(() => origin.close());
    const events = createProxyEvents();
    const proxy = await startH2race({ events, listen: '127.0.0.1:0', origin: origin.url, shutdownTimeoutMs: 300 });
    cleanups.push(() => proxy.close());
    const starts: StreamStartRecord[] = [];
    const ends: StreamEndRecord[] = [];
    events.on('stream-start', (r) => starts.push(r));
    events.on('stream-end', (r) => ends.push(r));
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    cleanups.push(() => context.close());
    const page = await context.newPage();
    await page.goto(`${proxy.proxy.url}/page`, { waitUntil: 'domcontentloaded' });
    const wsUrl = `${proxy.proxy.url.replace(/^https/, 'wss')}/chat?from=chromium`;
    const result = await page.evaluate<PageResult, string>(async (url: string) => {
      const ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      const next = () => new Promise<MessageEvent>((resolve, reject) => {
        ws.addEventListener('message', resolve, { once: true });
        ws.addEventListener('close', () => reject(new Error('closed')), { once: true });
      });
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = () => reject(new Error('WebSocket error'));
      });
      const text = next();
      ws.send('hello from chromium');
      const textReply = String((await text).data);
      const binary = next();
      ws.send(new Uint8Array([0, 1, 2, 250, 255]));
      const binaryReply = Array.from(new Uint8Array((await binary).data as ArrayBuffer));
      const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener('close', resolve, { once: true }));
      ws.send('close 4003 origin closes');
      const close = await closed;
      return { text: textReply, binary: binaryReply, closeCode: close.code, closeReason: close.reason };
    }, wsUrl);

    expect(result).toEqual({ text: 'hello from chromium', binary: [0, 1, 2, 250, 255], closeCode: 4003, closeReason: 'origin closes' });
    const page1 = starts.find((s) => s.path === '/page');
    const tunnel = starts.find((s) => s.path === '/chat?from=chromium');
    expect(page1).toMatchObject({ protocol: 'h2', method: 'GET' });
    expect(tunnel).toMatchObject({ protocol: 'h2', method: 'CONNECT', connectionId: page1!.connectionId });
    expect(origin.upgrades[0]).toMatchObject({ upgrade: 'websocket', via: '2 h2race' });
    await waitFor('the tunnel\'s stream-end record', () => ends.some((e) => e.path === tunnel!.path));
    expect(ends.find((e) => e.path === tunnel!.path)).toMatchObject({ status: 200 });
  }, 30_000);
});
