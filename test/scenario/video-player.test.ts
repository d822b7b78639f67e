/**
 * The video player plays: a media clock at the video's bitrate that stalls when its buffer is
 * empty, a read-ahead target after Chromium's rule, and a stream paused (its window closed) once
 * the target is buffered; and video goodput measured over the time the player wanted bytes.
 * The runs go through real sockets to the demo origin, one viewer, no seeks (what a run takes is
 * then known from the bitrate alone).
 */
import type http2 from 'node:http2';
import { afterAll, describe, expect, it } from 'vitest';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { createDemoHandler } from '../../origin/handler.js';
import { formatTable } from '../../scenario/report-table.js';
import { PlaybackBuffer, readAheadMarks } from '../../scenario/playback-buffer.js';
import { runScenario } from '../../scenario/run.js';
import { summarize } from '../../scenario/summary.js';
import type { RunRecord, StreamRecord } from '../../scenario/types.js';
import { runRecord } from './run-record.js';

const MiB = 1024 * 1024;
/** Chrome's stream window (client-session.ts): what a server may send a paused stream beyond what its reader took. */
const STREAM_WINDOW = 6 * MiB;
/** node:http2 hands a stream's body over in pieces of at most this (a DATA frame's payload, 16 KiB, and some). */
const CHUNK_SLACK = 64 * 1024;

let origin: DemoOrigin | undefined;
let dropping: DemoOrigin | undefined;
afterAll(async () => {
  await origin?.close();
  await dropping?.close();
});

async function demoOrigin(): Promise<string> {
  origin ??= await startDemoOrigin({ tls: { host: '127.0.0.1', port: 0 } });
  return origin.urls.tls!;
}

function onlyVideo(run: RunRecord): StreamRecord {
  const videos = run.streams.filter((s) => s.kind === 'video');
  expect(videos, JSON.stringify(videos)).toHaveLength(1);
  return videos[0]!;
}

describe("Chromium's read-ahead rule", () => {
  it('reads 10 s of the bitrate ahead, clamped to 2-20 MiB, and pauses 1 MiB above that', () => {
    expect(readAheadMarks(200_000)).toEqual({ low: 2 * MiB, high: 3 * MiB });
    expect(readAheadMarks(5_000_000)).toEqual({ low: 6_250_000, high: 6_250_000 + MiB });
    expect(readAheadMarks(100_000_000)).toEqual({ low: 20 * MiB, high: 21 * MiB });
  });
});

describe('the media clock', () => {
  it('plays at the bitrate while bytes are ahead, stalls when they run out, plays on when more come; a seek empties it', () => {
    let now = 0;
    const buffer = new PlaybackBuffer(8000, () => now); // 1 byte per ms
    buffer.add(100);
    now = 40;
    expect(buffer.ahead).toBe(60);
    expect(buffer.msUntilAhead(10)).toBe(50);
    now = 500; // empty since 100 ms: stalled, not in debt
    expect(buffer.ahead).toBe(0);
    buffer.add(30);
    now = 510;
    expect(buffer.ahead).toBe(20);
    buffer.empty();
    expect(buffer.ahead).toBe(0);
    now = 600;
    buffer.add(5);
    expect(buffer.ahead).toBe(5);
  });
});

describe('the player against the demo origin', () => {
  it('a bitrate out of range is one line naming it, before anything starts', async () => {
    await expect(runScenario({ target: 'https://127.0.0.1:1', videoBitsPerSecond: 0 })).rejects.toThrow(/^videoBitsPerSecond must be a number from 1000 to 10000000000, got 0$/);
  });

  it('on an unlimited link it pauses at its target: it takes about bitrate × time + target, not the line rate', async () => {
    const bitsPerSecond = 8_000_000; // 1 MB/s: 10 MB ahead, paused at 11 MB (+1 MiB)
    const run = await runScenario({ target: await demoOrigin(), viewers: 1, durationMs: 2500, seed: 3, seeksPerSecond: 0, smallPerSecond: 0, videoBitsPerSecond: bitsPerSecond, stallAfterMs: 500 });
    const video = onlyVideo(run);
    const { high } = readAheadMarks(bitsPerSecond);
    const why = JSON.stringify({ video, videoWantingMs: run.videoWantingMs });
    // It reached its target at least once, and took no more than it could have played beside it.
    expect(video.bytes, why).toBeGreaterThanOrEqual(high);
    expect(video.bytes, why).toBeLessThanOrEqual((bitsPerSecond / 8000) * run.durationMs + high + CHUNK_SLACK);
    // The server stopped writing it: at most one stream window went out beyond what the player took
    // (the old player took all 64 MiB of the video here).
    expect(video.wireBytes, why).toBeLessThanOrEqual(video.bytes + STREAM_WINDOW);
    // Bytes that arrived while the player rested are not counted as wanted.
    expect(video.wantedBytes, why).toBeLessThan(video.bytes);
    // A paused stream waits on us, not on the server: not a stall although 500 ms passed without a byte.
    expect(video.stall, why).toBeUndefined();
    expect(summarize(run).verdict, why).toBe('CLEAN');
  });

  it('on a link slower than the bitrate the buffer never fills: the player never pauses, it wants bytes all along', async () => {
    // The origin's pace (100 kB/s) stands for a slow link: below the 625 kB/s the player plays.
    const paths = { video: '/video?rate=100000' };
    const run = await runScenario({ target: await demoOrigin(), viewers: 1, durationMs: 1500, seed: 3, seeksPerSecond: 0, smallPerSecond: 0, paths });
    const video = onlyVideo(run);
    const why = JSON.stringify({ video, videoWantingMs: run.videoWantingMs, drain: run.drain });
    expect(video.bytes, why).toBeGreaterThan(0);
    expect(video.bytes, why).toBeLessThan(readAheadMarks(5_000_000).high);
    // Wanting from its request until the viewer stopped, after the drain began: never paused. The
    // record keeps whole ms (rounded); rounding is monotonic, so the bound is rounded the same way.
    expect(run.videoWantingMs![0], why).toBeGreaterThanOrEqual(Math.round(run.drain!.fromMs - video.startMs));
    // Every byte arrived while wanted.
    expect(video.wantedBytes, why).toBe(video.bytes);
  });
});

describe('the player across a reconnect', () => {
  it('resting when its connection went, it rests on on the next one: the new range wants nothing while the buffer is above its low mark', async () => {
    // 1 Mbit/s: paused at 3 MiB ahead, which plays down to the 2 MiB low mark in 8.4 s. The origin
    // drops the first connection 1 s after the first video request, the player long paused by then
    // (no preflight: its check of /video would be the first).
    const DROP_AFTER_MS = 1000;
    const demo = createDemoHandler();
    let dropped = false;
    dropping = await startDemoOrigin({
      h2c: { host: '127.0.0.1', port: 0 },
      handler: (req, res) => {
        if (!dropped && new URL(req.url ?? '/', 'http://x').pathname === '/video') {
          dropped = true;
          const session = (req as unknown as http2.Http2ServerRequest).stream.session;
          setTimeout(() => session?.destroy(), DROP_AFTER_MS);
        }
        demo(req, res);
      },
    });
    const run = await runScenario({ target: dropping.urls.h2c!, viewers: 1, durationMs: 2500, seed: 3, seeksPerSecond: 0, smallPerSecond: 0, videoBitsPerSecond: 1_000_000, stallAfterMs: 500, preflight: false });
    const videos = run.streams.filter((s) => s.kind === 'video');
    const why = JSON.stringify({ videos, connections: run.connections, videoWantingMs: run.videoWantingMs });
    expect(videos, why).toHaveLength(2);
    const [first, second] = videos as [StreamRecord, StreamRecord];
    expect(first.bytes, why).toBeGreaterThanOrEqual(readAheadMarks(1_000_000).high);
    expect(second.connection, why).not.toBe(first.connection);
    // Opened, and rested at once: the bytes the server sent it were not wanted.
    expect(second.wantedBytes, why).toBe(0);
  });
});

describe('video goodput over the time the players wanted bytes', () => {
  function stream(seq: number, viewer: number, kind: StreamRecord['kind'], bytes: number, wantedBytes?: number): StreamRecord {
    return { seq, viewer, connection: viewer, kind, path: `/${kind}`, startMs: 0, endMs: 1000, status: 200, bytes, wireBytes: bytes, wantedBytes, outcome: 'stopped', cancelledByUs: false, corruptBytes: 0 };
  }

  it("is the share of each viewer's link, less its other streams, over its wanting time", () => {
    // lan: 125 MB/s per viewer. Viewer 1 wanted for 400 ms and took 40 MB then (5 MB more arrived
    // while it rested); its SSE took 10 kB/s over the 10 s run. Viewer 2 wanted for 100 ms, 10 MB.
    const record = runRecord({
      profile: 'lan',
      viewers: 2,
      durationMs: 10_000,
      connections: [
        { id: 1, viewer: 1, openedMs: 0 },
        { id: 2, viewer: 2, openedMs: 0 },
      ],
      streams: [stream(1, 1, 'video', 45_000_000, 40_000_000), stream(2, 1, 'events', 100_000), stream(3, 2, 'video', 10_000_000, 10_000_000)],
      videoWantingMs: [400, 100],
    });
    const s = summarize(record);
    // (40 + 10) MB / (0.4 s × (125 MB/s − 10 kB/s) + 0.1 s × 125 MB/s) = 50 / 62.496
    expect(s.videoShareOfLeft).toBe(0.8);
    expect(s.videoWantingMs).toBe(500);
    // The whole run's figures keep their meaning: goodput per second of the run, capacity of the run.
    expect(s.videoGoodputBytesPerSec).toBe(5_500_000);
    expect(s.videoCapacityBytesPerSec).toBe(249_990_000);
    expect(formatTable([s])).toContain('44.00 Mbit/s (80%)');
  });

  it('without wanting times (clients that always read) the whole run counts', () => {
    const record = runRecord({ profile: 'lan', durationMs: 10_000, streams: [stream(1, 1, 'video', 125_000_000)] });
    expect(summarize(record).videoShareOfLeft).toBe(0.1);
    expect(summarize(record).videoWantingMs).toBeUndefined();
  });
});
