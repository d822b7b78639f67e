/**
 * `scenario --shape`: the viewers reach the target through a TCP relay running a profile, so a
 * server's own writes are pending when cancels arrive (jetty-like-origin.ts shows when they are).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { ReferenceVerifier } from '../../scenario/reference-verifier.js';
import { formatShape } from '../../scenario/format.js';
import { runScenario } from '../../scenario/run.js';
import { summarize } from '../../scenario/summary.js';
import type { RunSummary } from '../../scenario/run-summary.js';
import { startJettyLikeOrigin, type JettyLikeOrigin } from './jetty-like-origin.js';
import { runCli } from './run-cli.js';

let dir: string;
let demo: DemoOrigin;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'h2race-shape-'));
  demo = await startDemoOrigin({ tls: { host: '127.0.0.1', port: 0 }, h2c: { host: '127.0.0.1', port: 0 } });
});
afterAll(async () => {
  for (const c of cleanups) await c();
  await demo.close();
  rmSync(dir, { recursive: true, force: true });
  process.exitCode = undefined;
});

async function jettyLike(): Promise<JettyLikeOrigin> {
  const origin = await startJettyLikeOrigin();
  cleanups.push(() => origin.close());
  return origin;
}

/** A logger whose lines the test reads: the shaping relay logs where it listens. */
function capturingLogger(): { logger: pino.Logger; relayAddress: () => string | undefined } {
  const lines: { msg: string; listen?: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, relayAddress: () => lines.find((l) => l.msg === 'Started proxy')?.listen };
}

function refused(address: string): Promise<boolean> {
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

function profileFile(name: string, yaml: string): string {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

describe('scenario --shape', () => {
  type Out = { verdict: string; runs: { summary: RunSummary }[] };
  const DURATION_S = 4;
  const traffic = ['--viewers', '2', '--duration', String(DURATION_S), '--seek-rate', '3', '--small-rate', '1', '--seed', '1', '--json'];

  async function runAgainst(origin: JettyLikeOrigin, ...extra: string[]): Promise<RunSummary> {
    // Cancels count while the viewers act; the end of the run cancels everything.
    const disarm = setTimeout(() => (origin.armed = false), DURATION_S * 1000);
    try {
      const out = JSON.parse(await runCli('scenario', '--target', origin.url, ...traffic, ...extra)) as Out;
      return out.runs[0]!.summary;
    } finally {
      clearTimeout(disarm);
    }
  }

  it('a Jetty-like server whose pool releases on reset: CLEAN straight (no cancel finds a write pending), COLLATERAL through --shape cable', async () => {
    const straight = await jettyLike();
    const clean = await runAgainst(straight);
    const why = `origin: ${straight.pendingCancels} pending / ${straight.flushedCancels} flushed cancels; ${JSON.stringify(clean)}`;
    expect(straight.flushedCancels, why).toBeGreaterThan(5);
    expect(straight.pendingCancels, why).toBe(0);
    expect(clean.verdict, why).toBe('CLEAN');
    expect(clean.shape, why).toBeUndefined();
    expect(process.exitCode).toBe(0);

    const shaped = await jettyLike();
    const s = await runAgainst(shaped, '--shape', 'cable');
    const whyShaped = `origin: ${shaped.pendingCancels} pending cancels, ${shaped.reusedPending} pending buffers reused; ${JSON.stringify(s)}`;
    expect(shaped.reusedPending, whyShaped).toBeGreaterThan(0);
    expect(s.verdict, whyShaped).toBe('COLLATERAL');
    expect(s.collateral, whyShaped).toBeGreaterThan(0);
    expect(s.shape, whyShaped).toBe('cable');
    expect(s.profile, whyShaped).toBe('cable');
    // The run waited for what the server wrote after the last cancel.
    expect(s.drain?.answeredMs, whyShaped).toBeGreaterThan(s.drain!.fromMs);
    expect(process.exitCode).toBe(1);
  });

  it('TLS passes through: SNI and the certificate check name the target (--ca, localhost); the shape names the profile', async () => {
    const origin = await jettyLike();
    origin.armed = false;
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, origin.cert.cert);
    const target = origin.url.replace('127.0.0.1', 'localhost');
    const out = JSON.parse(
      await runCli('scenario', '--target', target, '--ca', ca, '--shape', 'fios', '--viewers', '1', '--duration', '1',
        '--seek-rate', '0', '--small-rate', '2', '--small-path', '/small?size=2000', '--json'),
    ) as Out;
    const s = out.runs[0]!.summary;
    expect(s.verdict, JSON.stringify(s)).toBe('CLEAN');
    expect(s.streamsByKind.small, JSON.stringify(s)).toBeGreaterThan(0);
    expect(s.shape).toBe('fios');
    expect(s.profile).toBe('fios');
    // The direct probe, the probe through the relay, the viewer's connection.
    expect(origin.servernames).toEqual(['localhost', 'localhost', 'localhost']);
  });

  it('a lossy preset: the report states the measured RTT and rate of the path beside the preset\'s', async () => {
    const origin = await jettyLike();
    origin.armed = false;
    const out = JSON.parse(
      await runCli('scenario', '--target', origin.url, '--shape', 'lossy-mobile', '--viewers', '1', '--duration', '2',
        '--seek-rate', '1', '--small-rate', '2', '--seed', '3', '--json'),
    ) as Out;
    const s = out.runs[0]!.summary;
    const why = JSON.stringify(s.shapedPath);
    expect(s.shapedPath?.preset, why).toEqual({ rttMs: 165, downBytesPerSecond: 1_012_500 });
    // Measured, both (the RTT has no useful lower bound: 40 ms paretonormal jitter may take up to
    // 160 ms off each way); the rate stays under the capacity.
    expect(s.shapedPath?.rttMs, why).toBeTypeOf('number');
    expect(s.shapedPath?.downBytesPerSecond, why).toBeGreaterThan(0);
    expect(s.shapedPath!.downBytesPerSecond!, why).toBeLessThanOrEqual(1_012_500 * 1.05);
    const line = formatShape(s)!;
    expect(line).toMatch(/^viewers reached the target through a relay running lossy-mobile both ways: measured RTT \d+ ms \(lossy-mobile: 165 ms\), down \d+ kB\/s \(lossy-mobile: 1013 kB\/s\)$/);
  });

  it("a shaped run's throughput is bounded by the profile's rate; --verify reference still re-fetches from the origin", async () => {
    const bitsPerSecond = 800_000;
    // The video is paced at 1.5 × the link: the link is the bottleneck, and the backlog (so the
    // run's drain, which waits for it) stays small.
    const videoBytesPerSecond = (1.5 * bitsPerSecond) / 8;
    const shape = profileFile('slow.yaml', 'faults: { bandwidth: 800kbit, latency: 20ms }\n');
    const { logger, relayAddress } = capturingLogger();
    const verifier = new ReferenceVerifier({ url: demo.urls.h2c! });
    const viewers = 2;
    const durationMs = 3000;
    const run = await runScenario({
      target: demo.urls.tls!,
      shape,
      viewers,
      durationMs,
      seed: 2,
      seeksPerSecond: 0,
      smallPerSecond: 2,
      paths: { video: `/video?rate=${videoBytesPerSecond}`, events: '/events', small: '/small?size=2000' },
      verifier,
      logger,
    });
    await verifier.close();
    const s = summarize(run);
    const why = JSON.stringify(s);
    const ceiling = viewers * (bitsPerSecond / 8) * (run.durationMs / 1000);
    // Generous both ways: the link never bursts above its rate, and it carried a real share of it.
    expect(s.bodyBytes, why).toBeLessThan(ceiling * 1.2);
    expect(s.bodyBytes, why).toBeGreaterThan(ceiling * 0.3);
    expect(s.verifyErrors, why).toBe(0);
    expect(s.corruptedBytes, why).toBe(0);
    expect(s.shape, why).toBe(shape);
    expect(s.profile, why).toBe(shape);
    expect(run.shape).toBe(shape);
    const relay = relayAddress();
    expect(relay).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await refused(relay!)).toBe(true);
  });

  it('bad shapes are one clear error; an aborted run closes its relay', async () => {
    await expect(runScenario({ target: demo.urls.tls!, shape: 'dialup', durationMs: 100 })).rejects.toThrow(
      'shape: unknown profile "dialup": not a preset',
    );
    const frames = profileFile('frames.yaml', 'faults: { reorder: 8 }\n');
    await expect(runScenario({ target: demo.urls.tls!, shape: frames, durationMs: 100 })).rejects.toThrow(
      `shape: ${frames} has the HTTP/2 frame toxic reorder`,
    );

    const { logger, relayAddress } = capturingLogger();
    const abort = new AbortController();
    const started = Date.now();
    const timer = setTimeout(() => abort.abort(), 500);
    await expect(runScenario({ target: demo.urls.tls!, shape: 'cable', durationMs: 30_000, viewers: 1, signal: abort.signal, logger })).rejects.toThrow(
      'scenario interrupted',
    );
    clearTimeout(timer);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await refused(relayAddress()!)).toBe(true);
  });

  it('Ctrl-C ends a shaped CLI run through its cleanup: one line on stderr, exit code 130', async () => {
    let err = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += chunk.toString();
      return true;
    });
    const started = Date.now();
    const timer = setTimeout(() => process.emit('SIGINT'), 800);
    try {
      const out = await runCli('scenario', '--target', demo.urls.tls!, '--shape', 'cable', '--viewers', '1', '--duration', '30', '--json');
      expect(out).toBe('');
    } finally {
      clearTimeout(timer);
      spy.mockRestore();
    }
    expect(err).toBe('h2race scenario: interrupted before the run ended; everything it started is closed\n');
    expect(process.exitCode).toBe(130);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(process.listeners('SIGINT')).toEqual([]);
  });
});
