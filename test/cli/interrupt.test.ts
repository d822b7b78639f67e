/**
 * Ctrl-C (SIGINT) on `h2race compare` and `h2race scenario` as real processes. The signal is sent
 * only once the process has shown it is past the point the test is about — compare's "run 1/2
 * done" line, scenario's first request at the origin — so the outcome does not depend on timing:
 * one stderr line saying it was interrupted, compare's finished runs (table or JSON) on stdout,
 * exit code 130.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../cli/exit-codes.js';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { createDemoHandler } from '../../origin/handler.js';
import { ensureCliBuilt, spawnCli, type ProxyProcess } from '../hostile/proxy-process.js';
import { waitFor } from '../helpers/wait.js';

let dir: string;
const running: ProxyProcess[] = [];
beforeAll(() => {
  ensureCliBuilt();
});
afterEach(() => {
  for (const p of running.splice(0)) p.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function start(args: string[]): ProxyProcess {
  dir = mkdtempSync(join(tmpdir(), 'h2race-interrupt-'));
  const p = spawnCli(args, { cwd: dir });
  running.push(p);
  return p;
}

// Two modes, the second long enough that it is still running when the signal comes.
const COMPARE = ['compare', '--modes', 'none', 'retain', '--profile', 'fios', '--viewers', '2', '--duration', '3'];
const FIRST_DONE = /^h2race compare: run 1\/2 done: none \(fios\) /;

describe('Ctrl-C on compare: one line, the runs finished so far, exit 130', () => {
  it('prints the table of the first mode and writes its HTML report', { timeout: 60_000 }, async () => {
    const p = start(COMPARE);
    await waitFor('the first run to finish', () => p.stderr.some((l) => FIRST_DONE.test(l)) || p.child.exitCode !== null, 45_000);
    p.child.kill('SIGINT');
    const { code } = await p.exit;
    const why = `stdout: ${p.stdout.join(' | ')}; stderr: ${p.stderr.join(' | ')}`;
    expect(code, why).toBe(ExitCode.Interrupted);
    expect(p.stderr.at(-1), why).toBe('h2race compare: interrupted; 1 of 2 runs finished and are reported');
    expect(p.stdout[0], why).toMatch(/^mode\s+profile\s+verdict/);
    expect(p.stdout.filter((l) => /^(none|retain)\s/.test(l)).map((l) => l.split(/\s+/)[0]), why).toEqual(['none']);
    expect(p.stdout.at(-1), why).toBe('HTML report: h2race-report.html');
    expect(existsSync(join(dir, 'h2race-report.html'))).toBe(true);
  });

  it('with --json: the JSON of the finished runs, marked interrupted, and no HTML file', { timeout: 60_000 }, async () => {
    const p = start([...COMPARE, '--json']);
    await waitFor('the first run to finish', () => p.stderr.some((l) => FIRST_DONE.test(l)) || p.child.exitCode !== null, 45_000);
    p.child.kill('SIGINT');
    const { code } = await p.exit;
    const why = `stderr: ${p.stderr.join(' | ')}`;
    expect(code, why).toBe(ExitCode.Interrupted);
    const json = JSON.parse(p.stdout.join('\n')) as { interrupted: boolean; finishedRuns: number; totalRuns: number; runs: { summary: { mode: string } }[] };
    expect({ ...json, runs: json.runs.map((r) => r.summary.mode) }).toEqual({ interrupted: true, finishedRuns: 1, totalRuns: 2, runs: ['none'] });
    expect(existsSync(join(dir, 'h2race-report.html'))).toBe(false);
  });
});

describe('Ctrl-C on scenario', () => {
  let origin: DemoOrigin;
  let requests = 0;
  beforeAll(async () => {
    const routes = createDemoHandler();
    origin = await startDemoOrigin({
      tls: { host: '127.0.0.1', port: 0 },
      handler: (req, res) => {
        requests++;
        routes(req, res);
      },
    });
  });
  afterAll(() => origin.close());

  it('once its viewers are playing: one line, nothing on stdout, exit 130', { timeout: 60_000 }, async () => {
    const p = start(['scenario', '--target', origin.urls.tls!, '--viewers', '1', '--duration', '120']);
    await waitFor('a request at the origin', () => requests > 0 || p.child.exitCode !== null, 30_000);
    p.child.kill('SIGINT');
    const { code } = await p.exit;
    expect({ code, stdout: p.stdout, stderr: p.stderr }).toEqual({
      code: ExitCode.Interrupted,
      stdout: [],
      stderr: ['h2race scenario: interrupted before the run ended; everything it started is closed'],
    });
  });
});
