/**
 * `scenario --profile` means what it means in `proxy` and `compare`: the link is shaped. The built
 * CLI, as a real process, runs the viewers through the local relay with the preset's bandwidth, so
 * the bytes they receive are bounded by it (and far above it without --profile); the report names
 * the profile that shaped the run; `--shape` is the same flag.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../cli/exit-codes.js';
import { findPreset } from '../../faults/profiles/presets.js';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import type { RunSummary } from '../../scenario/run-summary.js';
import { ensureCliBuilt } from '../hostile/proxy-process.js';
import { runCliProcess } from './run-cli.js';

let dir: string;
let origin: DemoOrigin;
beforeAll(async () => {
  ensureCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'h2race-scenario-profile-'));
  origin = await startDemoOrigin({ tls: { host: '127.0.0.1', port: 0 } });
});
afterAll(async () => {
  await origin.close();
  rmSync(dir, { recursive: true, force: true });
});

const VIEWERS = 2;
const DURATION_S = 3;

async function scenario(durationS: number, ...extra: string[]): Promise<RunSummary> {
  const run = await runCliProcess(
    ['scenario', '--target', origin.urls.tls!, '--viewers', String(VIEWERS), '--duration', String(durationS), '--seek-rate', '0',
      '--small-rate', '2', '--small-path', '/small?size=2000', '--seed', '3', '--json', ...extra],
    dir,
    60_000,
  );
  expect(run.code, run.stderr.join(' | ')).toBe(ExitCode.Ok);
  return (JSON.parse(run.stdout.join('\n')) as { runs: { summary: RunSummary }[] }).runs[0]!.summary;
}

describe('scenario --profile shapes the viewers\' link', () => {
  it("the run is bounded by the preset's bandwidth, which it names; straight, it is not", { timeout: 120_000 }, async () => {
    const dsl = findPreset('dsl')!;
    // Each viewer connection gets a link of its own, for the whole run: the run drains after
    // --duration (until what the origin wrote before the last request has crossed the link), so
    // its bytes are bounded by its own duration, not by --duration.
    const ceilingOver = (run: RunSummary): number => VIEWERS * (dsl.downBitsPerSecond! / 8) * (run.durationMs / 1000);

    const shaped = await scenario(DURATION_S, '--profile', 'dsl');
    const why = JSON.stringify(shaped);
    const ceiling = ceilingOver(shaped);
    // Generous both ways: the link never bursts above its rate, and it carried a real share of it.
    expect(shaped.bodyBytes, why).toBeLessThan(ceiling * 1.2);
    expect(shaped.bodyBytes, why).toBeGreaterThan(ceiling * 0.3);
    expect({ shape: shaped.shape, profile: shaped.profile, verdict: shaped.verdict }, why).toEqual({ shape: 'dsl', profile: 'dsl', verdict: 'CLEAN' });

    const straight = await scenario(DURATION_S);
    expect(straight.bodyBytes, JSON.stringify(straight)).toBeGreaterThan(ceilingOver(straight) * 3);
    expect(straight.shape).toBeUndefined();
  });

  it('--shape is the same flag', { timeout: 60_000 }, async () => {
    const s = await scenario(1, '--shape', 'fios');
    expect({ shape: s.shape, profile: s.profile }).toEqual({ shape: 'fios', profile: 'fios' });
  });
});
