import net from 'node:net';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startDemoOrigin } from '../../origin/demo-origin.js';
import { PreflightError } from '../../scenario/preflight.js';
import { runScenario } from '../../scenario/run.js';
import { summarize } from '../../scenario/summary.js';
import { ReferenceVerifier } from '../../scenario/reference-verifier.js';
import { demoVerifier, type ContentVerifier } from '../../scenario/verifier.js';
import { corruptVideo, disarmBefore, resetSseOnCancel, type Misbehaving } from './test-origins.js';

// Paced video keeps three viewers' downloads from eating the machine; content is unaffected.
const paths = { video: '/video?rate=4000000', events: '/events', small: '/small?size=2000' };
// Against an origin that misbehaves on purpose the test counts what the run's own streams met;
// the preflight's requests would meet the misdeeds too (a first chunk flipped, a cancel that
// resets an SSE stream), so those runs skip it.
const noPreflight = { preflight: false } as const;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('scenario against the demo origin', () => {
  it('a clean run: cancels happen, nothing else fails, no byte is wrong, SSE ticks without gaps', async () => {
    const origin = await startDemoOrigin({ tls: { host: '127.0.0.1', port: 0 } });
    cleanups.push(() => origin.close());
    const run = await runScenario({ target: origin.urls.tls!, viewers: 3, durationMs: 3000, seed: 7, seeksPerSecond: 4, smallPerSecond: 4, paths });
    const s = summarize(run);
    const why = JSON.stringify(s);
    expect(s.verdict, why).toBe('CLEAN');
    expect(s.collateral, why).toBe(0);
    expect(s.corruptedBytes, why).toBe(0);
    expect(s.cancels, why).toBeGreaterThan(5);
    expect(s.streamsByKind.small, why).toBeGreaterThan(5);
    expect(s.streamsByKind.events, why).toBe(3);
    expect(s.connections, why).toBe(3);
    expect(s.goaways, why).toEqual({ client: {}, server: {} });
    // ~3 viewers × 3 s / 100 ms, minus start-up: a generous floor that a dead stream cannot reach.
    expect(s.sseEvents, why).toBeGreaterThan(45);
    expect(s.sseGaps + s.sseReconnects + s.sseBadEvents, why).toBe(0);
    expect(s.bodyBytes, why).toBeGreaterThan(1_000_000);
    for (const stream of run.streams) {
      expect(stream.outcome, JSON.stringify(stream)).toBeDefined();
      expect(stream.cancelledByUs, JSON.stringify(stream)).toBe(stream.outcome === 'cancelled');
    }
  });

  it('an origin that resets the SSE stream on every cancel: ORIGIN-ERRORS, one per reset, none collateral', async () => {
    const bad = await resetSseOnCancel();
    cleanups.push(() => bad.origin.close());
    const durationMs = 3000;
    const guard = disarmBefore(bad, durationMs, 400);
    const run = await runScenario({ target: bad.origin.urls.tls!, viewers: 2, durationMs, seed: 3, seeksPerSecond: 3, smallPerSecond: 2, paths, ...noPreflight });
    clearTimeout(guard);
    const s = summarize(run);
    const why = `origin reset ${bad.count} SSE streams; ${JSON.stringify(s)}`;
    expect(bad.count, why).toBeGreaterThan(2);
    // The origin reset each stream on its own and the connection lived on: its refusal, not a
    // stream killed with its connection.
    expect(s.verdict, why).toBe('ORIGIN-ERRORS');
    expect(s.collateral, why).toBe(0);
    expect(s.originErrors, why).toBe(bad.count);
    expect(s.originErrorCodes, why).toEqual({ 'RST_STREAM INTERNAL_ERROR from server': bad.count });
    expect(run.streams.filter((x) => x.outcome === 'failed').every((x) => x.kind === 'events' && x.fault === 'origin'), why).toBe(true);
    expect(s.sseReconnects, why).toBeGreaterThanOrEqual(bad.count - 2);
    expect(s.corruptedBytes, why).toBe(0);
  });

  async function corrupted(): Promise<Misbehaving> {
    const bad = await corruptVideo([100, 101, 5000, 70_000]);
    cleanups.push(() => bad.origin.close());
    return bad;
  }

  it('corrupted bytes are counted exactly (content-function verifier)', async () => {
    const bad = await corrupted();
    const durationMs = 2000;
    const guard = disarmBefore(bad, durationMs, 500);
    // No seeks: each viewer's video stream lives the whole run, so every flipped byte arrives.
    const run = await runScenario({ target: bad.origin.urls.tls!, viewers: 2, durationMs, seed: 1, seeksPerSecond: 0, smallPerSecond: 0, paths, ...noPreflight });
    clearTimeout(guard);
    const s = summarize(run);
    const why = `origin flipped ${bad.count} bytes; ${JSON.stringify(s)}`;
    expect(bad.count, why).toBe(8);
    expect(s.corruptedBytes, why).toBe(bad.count);
    expect(s.verdict, why).toBe('COLLATERAL');
    expect(s.collateral, why).toBe(0);
    const video = run.streams.filter((x) => x.kind === 'video');
    expect(video.map((x) => x.firstCorrupt?.offset), why).toEqual([100, 100]);
  });

  it.each(['h2c', 'http', 'tls'] as const)('corrupted bytes are counted exactly (reference fetch verifier over %s, for any origin)', async (kind) => {
    const bad = await corrupted();
    const clean = await startDemoOrigin({ [kind]: { host: '127.0.0.1', port: 0 } });
    cleanups.push(() => clean.close());
    const verifier = new ReferenceVerifier({ url: clean.urls[kind]! });
    const durationMs = 2000;
    const guard = disarmBefore(bad, durationMs, 500);
    const run = await runScenario({
      target: bad.origin.urls.tls!,
      viewers: 2,
      durationMs,
      seed: 1,
      seeksPerSecond: 0,
      smallPerSecond: 2,
      paths,
      verifier,
      ...noPreflight,
    });
    clearTimeout(guard);
    await verifier.close();
    const s = summarize(run);
    const why = `origin flipped ${bad.count} bytes; ${JSON.stringify(s)} ${JSON.stringify(run.verifyErrors)}`;
    expect(bad.count, why).toBe(8);
    expect(s.corruptedBytes, why).toBe(bad.count);
    expect(s.streamsByKind.small, why).toBeGreaterThan(1);
    expect(run.verifyErrors, why).toEqual([]);
  });

  it('a run that waited for verification leaves no timer behind (the CLI process can exit at once)', async () => {
    // Every timer set from here on, until it fires or is cleared.
    const live = new Set<NodeJS.Timeout>();
    const { setTimeout: set, clearTimeout: clear } = globalThis;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: (...a: unknown[]) => void, ms?: number, ...a: unknown[]) => {
      const t = set(() => {
        live.delete(t);
        fn(...a);
      }, ms);
      live.add(t);
      return t;
    }) as typeof setTimeout);
    vi.spyOn(globalThis, 'clearTimeout').mockImplementation((t) => {
      live.delete(t as NodeJS.Timeout);
      clear(t);
    });
    try {
      const origin = await startDemoOrigin({ h2c: { host: '127.0.0.1', port: 0 } });
      // Every body's check is still running when the run ends, so the run has to wait for it.
      const slow: ContentVerifier = {
        ...demoVerifier,
        verifyBody: async (...args) => {
          await new Promise((resolve) => set(resolve, 200));
          return demoVerifier.verifyBody(...args);
        },
      };
      const run = await runScenario({ target: origin.urls.h2c!, viewers: 1, durationMs: 300, seeksPerSecond: 0, paths, verifier: slow });
      await origin.close();
      expect(summarize(run).verdict).toBe('CLEAN');
      expect(run.streams.length).toBeGreaterThan(0);
      expect([...live].filter((t) => t.hasRef()).length).toBe(0);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('an unreachable target is one clear error: the preflight\'s, before any viewer starts', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = runScenario({ target: `https://127.0.0.1:${port}`, durationMs: 100 });
    await expect(unreachable).rejects.toBeInstanceOf(PreflightError);
    await expect(unreachable).rejects.toThrow(`target https://127.0.0.1:${port}: ECONNREFUSED`);
    await expect(runScenario({ target: 'ftp://x', durationMs: 100 })).rejects.toThrow('target: scheme ftp: is not supported');
    await expect(runScenario({ target: 'https://127.0.0.1:1', viewers: 0 })).rejects.toThrow('viewers must be an integer');
  });
});
