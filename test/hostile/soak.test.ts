/**
 * Soak, bounded for CI: for each safe pooling mode, thousands of streams over several real
 * connections (half TLS, half h2c) through the frame path, a third of them cancelled at a seeded moment (before the
 * response, at the headers, mid-body). Every stream that was not cancelled must arrive whole and
 * byte-exact (checked against origin/content.ts); afterwards the pool has nothing in use, the
 * origin nothing open, the process no extra handles, and RSS has not grown past a generous bound.
 * A shorter leg per mode runs over a slow link, so cancels land while writes are still pending.
 *
 * H2RACE_SOAK_STREAMS (per mode) widens a local run; CI runs the default.
 */
import * as http2 from 'node:http2';
import { afterAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../faults/random.js';
import type { PoolMode } from '../../faults/pool/types.js';
import { firstVideoMismatch } from '../../origin/content.js';
import { request } from '../helpers/h2-client.js';
import { startRig, type Rig } from './rig.js';

const STREAMS_PER_MODE = Number(process.env.H2RACE_SOAK_STREAMS ?? 2_500);
/** Per mode: the run plus its warm-up, on a loaded 2-core machine. */
const MODE_TIMEOUT_MS = 90_000;
const CONNECTIONS = 8;
/** Streams in flight per connection. */
const CONCURRENCY = 12;
const SAFE_MODES: PoolMode[] = ['none', 'discard-on-reset', 'retain'];
/** RSS may not grow more than this over a mode's run (after its warm-up). */
const RSS_BOUND_MB = 150;

interface Tally {
  completed: number;
  cancelled: number;
  /** Streams not cancelled by the client that still failed: the collateral damage. */
  collateral: string[];
  /** Streams whose bytes differ from the origin's content. */
  corrupted: string[];
}

type Cancel = 'none' | 'at-once' | 'at-headers' | 'mid-body';

/** One stream: a seeded size and cancel moment; resolves when it is over, never rejects. */
function runStream(session: http2.ClientHttp2Session, random: SeededRandom, tally: Tally): Promise<void> {
  // Mostly small responses (the stream count is the point), some long enough to be cut mid-body.
  const size = random.next() < 0.1 ? random.int(32 * 1024 + 1, 256 * 1024) : random.int(0, 8 * 1024);
  const roll = random.next();
  const cancel: Cancel = roll < 2 / 3 ? 'none' : (['at-once', 'at-headers', 'mid-body'] as const)[random.int(0, 2)]!;
  const path = size > 32 * 1024 ? `/video?size=${size}` : `/small?size=${size}`;
  return new Promise((resolve) => {
    const stream = request(session, path);
    const chunks: Buffer[] = [];
    let status = 0;
    let cancelled = false;
    const doCancel = () => {
      if (cancelled || stream.closed) return;
      cancelled = true;
      stream.close(http2.constants.NGHTTP2_CANCEL);
    };
    stream.on('error', () => {});
    stream.once('response', (h) => {
      status = Number(h[':status']);
      if (cancel === 'at-headers') doCancel();
    });
    stream.on('data', (c: Buffer) => {
      chunks.push(c);
      if (cancel === 'mid-body') doCancel();
    });
    stream.once('close', () => {
      if (cancelled) {
        tally.cancelled++;
        return resolve();
      }
      const body = Buffer.concat(chunks);
      if (status !== 200 || body.length !== size || !stream.readableEnded) {
        tally.collateral.push(`${path}: status ${status}, ${body.length}/${size} bytes, rst ${stream.rstCode}`);
        return resolve();
      }
      const bad = firstVideoMismatch(body, 0);
      if (bad >= 0) tally.corrupted.push(`${path}: byte ${bad}`);
      else tally.completed++;
      resolve();
    });
    if (cancel === 'at-once') setImmediate(doCancel);
  });
}

/** `total` streams spread over `sessions`, each keeping CONCURRENCY in flight. */
async function drive(sessions: http2.ClientHttp2Session[], total: number, random: SeededRandom, tally: Tally): Promise<void> {
  let next = 0;
  await Promise.all(sessions.map(async (session, i) => {
    const lane = random.fork(`connection-${i}`);
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        next++;
        await runStream(session, lane, tally);
      }
    }));
  }));
}

/** Open sockets, servers and pipes by type (timers come and go with vitest itself). */
function handleCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (r !== 'Timeout' && r !== 'Immediate') counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

const figures: string[] = [];
afterAll(() => {
  console.log(`soak figures:\n${figures.join('\n')}`);
});

/** A link that keeps writes pending (the condition of the Jetty race): 5 ms one way, each direction. */
const SLOW_LINK = { latency: 5, jitter: 2 };
const SLOW_STREAMS_PER_MODE = Math.round(STREAMS_PER_MODE / 4);

describe.each(SAFE_MODES)('soak, pool %s', (mode) => {
  let rig: Rig | undefined;
  afterAll(async () => {
    await rig?.close();
  });

  async function soak(total: number, link: 'clean' | 'slow'): Promise<void> {
    const handlesBefore = handleCounts();
    rig = await startRig({ pool: mode, proxy: { h2cListen: '127.0.0.1:0', faults: link === 'slow' ? { ...SLOW_LINK, seed: 1 } : {} } });
    const random = new SeededRandom(1, `soak-${mode}-${link}`);
    const sessions = await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => rig!.client({}, i % 2 === 1)));
    // Warm-up: upstream sessions open, buffers and JIT settle before the RSS baseline.
    const warm: Tally = { completed: 0, cancelled: 0, collateral: [], corrupted: [] };
    await drive(sessions, Math.min(500, total / 5), random.fork('warm-up'), warm);
    const rssStart = process.memoryUsage().rss;
    const started = performance.now();
    const tally: Tally = { completed: 0, cancelled: 0, collateral: [], corrupted: [] };
    await drive(sessions, total, random.fork('run'), tally);
    const seconds = (performance.now() - started) / 1000;
    const rssEnd = process.memoryUsage().rss;
    for (const s of sessions) s.close();
    const stats = rig.pool.stats();
    figures.push(
      `  ${mode}, ${link} link: ${total} streams in ${seconds.toFixed(1)} s, ${tally.cancelled} cancelled, ${tally.completed} completed, ` +
      `${tally.collateral.length + warm.collateral.length} collateral, ${tally.corrupted.length + warm.corrupted.length} corrupted; ` +
      `RSS ${(rssStart / 2 ** 20).toFixed(0)} → ${(rssEnd / 2 ** 20).toFixed(0)} MiB; pool acquired ${stats.acquired}, reused ${stats.reused}, ` +
      `discarded ${stats.discarded}, high-water ${stats.highWaterInUse}, races ${stats.racesReusedWhilePending}`,
    );

    expect(warm.collateral.concat(tally.collateral).slice(0, 5)).toEqual([]);
    expect(warm.corrupted.concat(tally.corrupted).slice(0, 5)).toEqual([]);
    expect(tally.completed + tally.cancelled).toBe(total);
    // A third were meant to be cancelled; a cancel that came after the last byte counts as completed.
    expect(tally.cancelled).toBeGreaterThan(total / 5);
    expect(stats.racesReusedWhilePending).toBe(0);
    // Over the slow link cancels do land on pending writes: discard-on-reset had buffers to drop.
    if (link === 'slow' && mode === 'discard-on-reset') expect(stats.discarded).toBeGreaterThan(0);
    expect((rssEnd - rssStart) / 2 ** 20).toBeLessThan(RSS_BOUND_MB);

    // Everything the streams held is back: connections gone, pool buffers returned, origin idle.
    await expect.poll(() => rig!.connections.size, { timeout: 5000 }).toBe(0);
    expect(rig.pool.stats().inUse).toBe(0);
    await expect.poll(() => rig!.originActive, { timeout: 5000 }).toBe(0);
    await rig.close();
    rig = undefined;
    await expect.poll(handleCounts, { timeout: 5000 }).toEqual(handlesBefore);
  }

  it(`${STREAMS_PER_MODE} streams over ${CONNECTIONS} connections, a third cancelled: no collateral, no corrupted byte, nothing leaked`, async () => {
    await soak(STREAMS_PER_MODE, 'clean');
  }, MODE_TIMEOUT_MS);

  it(`${SLOW_STREAMS_PER_MODE} streams with writes held pending by a slow link, a third cancelled: the same`, async () => {
    await soak(SLOW_STREAMS_PER_MODE, 'slow');
  }, MODE_TIMEOUT_MS);
});
