/**
 * `h2race scenario` and `h2race compare` run in-process through yargs with the command modules
 * cli/main.ts registers: JSON on stdout, the HTML report on disk, the exit code.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { runCli } from './run-cli.js';

let origin: DemoOrigin;
let dir: string;
beforeAll(async () => {
  origin = await startDemoOrigin({ tls: { host: '127.0.0.1', port: 0 } });
  dir = mkdtempSync(join(tmpdir(), 'h2race-cli-'));
});
afterAll(async () => {
  await origin.close();
  rmSync(dir, { recursive: true, force: true });
  process.exitCode = undefined;
});

describe('h2race scenario / compare', () => {
  it('scenario --json against the demo origin: CLEAN, exit code 0, HTML written', async () => {
    const html = join(dir, 'scenario.html');
    const out = await runCli('scenario', '--target', origin.urls.tls!, '--viewers', '2', '--duration', '1.5', '--seek-rate', '3',
      '--video-path', '/video?rate=2000000', '--json', '--html', html);
    const json = JSON.parse(out) as { verdict: string; runs: { summary: { cancels: number; collateral: number } }[] };
    expect(json.verdict).toBe('CLEAN');
    expect(json.runs[0]!.summary.collateral).toBe(0);
    expect(json.runs[0]!.summary.cancels).toBeGreaterThan(0);
    expect(process.exitCode).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain('<span class="v CLEAN">CLEAN</span>');
  });

  it('compare prints the table for the modes asked for and exits 0 when the safe ones are clean', async () => {
    const html = join(dir, 'compare.html');
    const out = await runCli('compare', '--modes', 'retain', '--profile', 'fios', '--viewers', '2', '--duration', '1.5', '--html', html);
    expect(out).toMatch(/^mode\s+profile\s+verdict/m);
    expect(out).toMatch(/^retain\s+fios\s+CLEAN/m);
    expect(out).toContain(`HTML report: ${html}`);
    expect(process.exitCode).toBe(0);
  });

  it('compare --origin with a self-signed https:// origin: ERROR before any mode runs (exit 3) unless --insecure', async () => {
    type Out = { verdict: string; error?: string; exitCode: number; runs: { summary: { verdict: string; streams: number; collateral: number } }[] };
    const args = ['compare', '--origin', origin.urls.tls!, '--modes', 'retain', '--profile', 'fios', '--viewers', '2', '--duration', '1.5',
      '--json', '--html', join(dir, 'origin.html')];
    const refused = JSON.parse(await runCli(...args)) as Out;
    expect(refused.verdict).toBe('ERROR');
    expect(refused.runs).toEqual([]);
    expect(refused.error).toBe(
      `GET /video, /events, /small: HTTP 502 from h2race (tls): TLS with origin ${new URL(origin.urls.tls!).host} failed: DEPTH_ZERO_SELF_SIGNED_CERT` +
        " (the origin's certificate was refused: --insecure accepts a self-signed one, --origin-ca FILE names its CA)",
    );
    expect(refused.exitCode).toBe(3);
    expect(process.exitCode).toBe(3);

    const json = JSON.parse(await runCli(...args, '--insecure')) as Out;
    const summary = json.runs[0]!.summary;
    expect(summary.verdict, JSON.stringify(summary)).toBe('CLEAN');
    expect(summary.streams).toBeGreaterThan(0);
    expect(summary.collateral).toBe(0);
    expect(json.exitCode).toBe(0);
    expect(process.exitCode).toBe(0);
  });
});
