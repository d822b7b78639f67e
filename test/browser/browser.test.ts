/**
 * A real browser through h2race: headless Debian Chromium plays the demo page's video (a
 * fragmented MP4 made here with ffmpeg), seeking every 400 ms, beside an EventSource, on one
 * HTTP/2 connection to h2race in front of the demo origin.
 * - retain (the fix) on a cable profile: the SSE stream never errors, the video plays and seeks.
 * - release-on-reset on a slow profile: the browser itself reports the Jetty symptom — an
 *   HTTP/2 protocol error on requests nobody cancelled, or the EventSource erroring after the
 *   connection it shared with the video went away.
 * Skipped, with the reason, when chromium or ffmpeg are missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { startH2race } from '../../proxy/h2race.js';
import { createProxyEvents } from '../../proxy/events.js';
import type { PoolMode } from '../../faults/pool/types.js';

const CHROMIUM = '/usr/bin/chromium';
const FFMPEG = '/usr/bin/ffmpeg';
const missing = [CHROMIUM, FFMPEG].filter((p) => !existsSync(p));
if (missing.length > 0) console.warn(`browser test skipped: ${missing.join(' and ')} not installed`);

interface PageState {
  sseEvents: number;
  sseErrors: number;
  seeks: number;
  videoErrors: string[];
  currentTimes: number[];
  log: string[];
}

interface Visit {
  state: PageState;
  failedRequests: string[];
  poolRaces: number;
}

describe.skipIf(missing.length > 0)('headless Chromium through h2race', () => {
  let dir: string;
  let origin: DemoOrigin;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'h2race-browser-'));
    const video = join(dir, 'demo.mp4');
    // 8 s of test pattern at 1.5 Mbit/s, moov first (faststart) so playback starts after the first range.
    execFileSync(FFMPEG, [
      '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=duration=8:size=640x360:rate=25',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '1500k', '-pix_fmt', 'yuv420p', '-g', '25',
      '-movflags', '+faststart', video,
    ], { timeout: 30_000 });
    origin = await startDemoOrigin({ h2c: { host: '127.0.0.1', port: 0 }, videoFile: video });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--ignore-certificate-errors', '--autoplay-policy=no-user-gesture-required'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await origin?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Opens the demo page through a fresh h2race and polls its state until `done` or `maxMs`. */
  async function visit(mode: PoolMode, profile: string, maxMs: number, done: (v: Visit) => boolean): Promise<Visit> {
    const proxy = await startH2race({ events: createProxyEvents(), listen: '127.0.0.1:0', origin: origin.urls.h2c!, shutdownTimeoutMs: 300, pool: { mode }, faults: { profile, seed: 3 } });
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      const failedRequests: string[] = [];
      page.on('requestfailed', (r) => failedRequests.push(`${new URL(r.url()).pathname} ${r.failure()?.errorText}`));
      await page.goto(`${proxy.proxy.url}/?seekMs=400&seed=7`, { waitUntil: 'domcontentloaded' });
      const deadline = Date.now() + maxMs;
      for (;;) {
        await page.waitForTimeout(250);
        const state = await page.evaluate<PageState>('window.h2race');
        const v = { state, failedRequests: [...failedRequests], poolRaces: proxy.pool.stats().racesReusedWhilePending };
        if (done(v) || Date.now() > deadline) return v;
      }
    } finally {
      await context.close();
      await proxy.close();
    }
  }

  it('retain: the video plays and seeks, the EventSource never errors', async () => {
    const playing = (v: Visit): boolean =>
      v.state.seeks > 5 && v.state.sseEvents > 25 && new Set(v.state.currentTimes.map((t) => t.toFixed(1))).size > 3;
    const v = await visit('retain', 'cable', 12_000, playing);
    const why = JSON.stringify(v);
    expect(v.state.sseErrors, why).toBe(0);
    expect(v.state.sseEvents, why).toBeGreaterThan(25);
    expect(v.state.seeks, why).toBeGreaterThan(5);
    expect(v.state.videoErrors, why).toEqual([]);
    expect(new Set(v.state.currentTimes.map((t) => t.toFixed(1))).size, why).toBeGreaterThan(3);
    // Chromium aborts the ranges it seeks away from (ERR_ABORTED); nothing else may fail.
    expect(v.failedRequests.filter((f) => !f.endsWith('net::ERR_ABORTED')), why).toEqual([]);
  });

  it('release-on-reset on a slow link: Chromium reports the HTTP/2 error on streams it did not cancel', async () => {
    const sseKilled = (v: Visit): boolean => v.failedRequests.some((f) => /^\/events net::ERR_HTTP2_/.test(f));
    const v = await visit('release-on-reset', 'dsl', 15_000, sseKilled);
    const why = JSON.stringify(v);
    expect(v.poolRaces, why).toBeGreaterThan(0);
    // The SSE stream was never cancelled; it dies with the connection's protocol error.
    expect(v.failedRequests.filter((f) => /^\/events net::ERR_HTTP2_(PROTOCOL|FRAME_SIZE|COMPRESSION)_ERROR$/.test(f)).length, why).toBeGreaterThan(0);
    expect(v.state.sseErrors, why).toBeGreaterThan(0);
  });
});
