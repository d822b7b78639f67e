/**
 * `h2race compare --grpc`: the cancellation race as gRPC users meet it, side by side with the
 * same report as the video/SSE compare. Three gRPC clients against the gRPC demo origin (a real
 * @grpc/grpc-js server) through one h2race per pool mode on the cable profile: each cancels large
 * Fetch calls mid-answer beside a server-streaming Watch call on the same connection. In
 * release-on-reset the cancels corrupt the other calls' frames and the Watch calls die with their
 * connections (collateral); retain, with the same cancels, is CLEAN.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { startGrpcOrigin, GRPC_PATHS } from '../../origin/grpc-origin.js';
import { runCompare } from '../../scenario/compare.js';
import { h2raceForMode } from '../../scenario/h2race-for-mode.js';
import { runCli } from '../scenario/run-cli.js';

test('compare --grpc: release-on-reset kills Watch calls nobody cancelled; retain is CLEAN; exit code 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'h2race-grpc-compare-'));
  const html = join(dir, 'report.html');
  const previousExit = process.exitCode;
  try {
    const out = await runCli('compare', '--grpc', '--modes', 'release-on-reset', 'retain', '--profile', 'cable',
      '--viewers', '3', '--duration', '3.5', '--seed', '5', '--seek-rate', '3', '--html', html);
    console.info(out);
    expect(process.exitCode, out).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/\bWatch msg\/gap\/re\b/);
    // Its delay column times the Watch messages: no SSE in a gRPC run.
    expect(lines[0]).toMatch(/\bWatch delay p50\/p99\b/);
    expect(lines[0]).not.toMatch(/SSE/);
    const bug = lines.find((l) => l.startsWith('release-on-reset'))!;
    const fix = lines.find((l) => l.startsWith('retain'))!;
    // mode profile verdict streams cancels collateral origin-errors GOAWAY-c/s ...
    const [, , bugVerdict, , , bugCollateral, bugOriginErrors, bugGoaways] = bug.split(/\s+/);
    expect(bugVerdict, out).toBe('COLLATERAL');
    expect(Number(bugCollateral), out).toBeGreaterThan(0);
    expect(Number(bugOriginErrors), out).toBe(0);
    expect(Number(bugGoaways!.split('/')[0]), out).toBeGreaterThan(0);
    const [, , fixVerdict, , fixCancels, fixCollateral, , fixGoaways, fixCorrupted] = fix.split(/\s+/);
    expect(fixVerdict, out).toBe('CLEAN');
    expect(Number(fixCancels), out).toBeGreaterThan(5);
    expect(Number(fixCollateral), out).toBe(0);
    expect(fixGoaways, out).toBe('0/0');
    expect(fixCorrupted, out).toBe('0');
    // The story of the first damaged connection names the calls.
    expect(out).toMatch(/we cancelled Fetch call on stream \d+ \(\/h2race\.Demo\/Fetch\) \(RST_STREAM CANCEL\)/);
    expect(out).toMatch(/streams nobody cancelled died with it: Watch call on stream \d+ \(\/h2race\.Demo\/Watch\)/);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<span class="v COLLATERAL">COLLATERAL</span>');
    expect(page).toMatch(/streams \(Fetch \d+, Watch \d+, Ping \d+\)/);
    expect(page).toContain('<th>Watch delay p50/p99</th>');
  } finally {
    process.exitCode = previousExit;
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

test('the gRPC run\'s records: Watch calls failed only in release-on-reset, by the client\'s GOAWAY; in retain nothing failed and the Pings completed with grpc-status 0', async () => {
  const origin = await startGrpcOrigin();
  try {
    const result = await runCompare({
      clients: 'grpc',
      modes: ['release-on-reset', 'retain'],
      profiles: ['cable'],
      origin: origin.url,
      startProxyForMode: h2raceForMode({ seed: 5 }),
      viewers: 3,
      durationMs: 3500,
      seed: 5,
      seeksPerSecond: 3,
    });
    const [bug, fix] = result.runs.map((r) => r.record);
    const why = JSON.stringify(result.runs.map((r) => r.summary));
    const watchKilled = bug!.streams.filter((s) => s.path === GRPC_PATHS.watch && s.outcome === 'failed' && s.error?.startsWith('client GOAWAY'));
    expect(watchKilled.length, why).toBeGreaterThan(0);
    expect(result.runs[0]!.summary.poolRaces, why).toBeGreaterThan(0);
    expect(fix!.streams.filter((s) => s.outcome === 'failed'), why).toEqual([]);
    const pings = fix!.streams.filter((s) => s.path === GRPC_PATHS.ping && s.outcome === 'completed');
    expect(pings.length, why).toBeGreaterThan(3);
    for (const s of pings) expect(s.grpcStatus, why).toBe(0);
    expect(fix!.streams.filter((s) => s.path === GRPC_PATHS.fetch && s.cancelledByUs).length, why).toBeGreaterThan(5);
    expect(fix!.streams.filter((s) => s.path === GRPC_PATHS.watch).every((s) => s.outcome === 'stopped'), why).toBe(true);
    expect(fix!.sse.events, why).toBeGreaterThan(100);
    expect(result.verdict).toBe('CLEAN');
  } finally {
    await origin.close();
  }
}, 120_000);
