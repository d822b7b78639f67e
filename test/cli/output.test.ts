/**
 * Where the built CLI's output goes, as real processes in a temp working directory: the table or
 * --json alone on stdout (so `--json > file` is valid JSON), progress and pino's log lines on
 * stderr; --json writes no HTML report unless --html names one, while a plain `compare` keeps
 * writing h2race-report.html.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../cli/exit-codes.js';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { ensureCliBuilt, spawnCli, type ProxyProcess } from '../hostile/proxy-process.js';
import { waitFor } from '../helpers/wait.js';
import { runCliProcess } from './run-cli.js';

const curl = promisify(execFile);
const COMPARE = ['compare', '--modes', 'retain', '--profile', 'fios', '--viewers', '2', '--duration', '1'];

let dir: string;
const running: ProxyProcess[] = [];
beforeAll(() => ensureCliBuilt());
afterEach(() => {
  for (const p of running.splice(0)) p.kill();
  rmSync(dir, { recursive: true, force: true });
});
const freshDir = (): string => (dir = mkdtempSync(join(tmpdir(), 'h2race-output-')));
/** The files a run left in the cwd, but for .h2race/ (where the proxies keep their generated certificate). */
const written = (): string[] => readdirSync(dir).filter((f) => f !== '.h2race').sort();

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

describe('compare: stdout is the result, stderr the rest', () => {
  it('--json: stdout parses as JSON, progress lines on stderr, no HTML file in the cwd', { timeout: 60_000 }, async () => {
    const run = await runCliProcess([...COMPARE, '--json'], freshDir(), 45_000);
    const why = `stderr: ${run.stderr.join(' | ')}`;
    expect(run.code, why).toBe(ExitCode.Ok);
    const json = JSON.parse(run.stdout.join('\n')) as { runs: { summary: { mode: string; profile: string; verdict: string } }[] };
    expect(json.runs.map((r) => [r.summary.mode, r.summary.profile, r.summary.verdict])).toEqual([['retain', 'fios', 'CLEAN']]);
    expect(run.stderr).toEqual(['h2race compare: run 1/1 done: retain (fios) CLEAN']);
    expect(written()).toEqual([]);
  });

  it('--json --html FILE: the JSON on stdout and the report where --html says', { timeout: 60_000 }, async () => {
    const run = await runCliProcess([...COMPARE, '--json', '--html', 'mine.html'], freshDir(), 45_000);
    expect(run.code, run.stderr.join(' | ')).toBe(ExitCode.Ok);
    expect(JSON.parse(run.stdout.join('\n'))).toHaveProperty('runs');
    expect(written()).toEqual(['mine.html']);
    expect(readFileSync(join(dir, 'mine.html'), 'utf8')).toContain('<span class="v CLEAN">CLEAN</span>');
  });

  it('without --json: the table on stdout and h2race-report.html, as before', { timeout: 60_000 }, async () => {
    const run = await runCliProcess(COMPARE, freshDir(), 45_000);
    expect(run.code, run.stderr.join(' | ')).toBe(ExitCode.Ok);
    expect(run.stdout[0]).toMatch(/^mode\s+profile\s+verdict/);
    expect(run.stdout.some((l) => /^retain\s+fios\s+CLEAN/.test(l))).toBe(true);
    expect(run.stdout.at(-1)).toBe('HTML report: h2race-report.html');
    expect(run.stdout.filter(isJson)).toEqual([]);
    expect(written()).toEqual(['h2race-report.html']);
  });
});

describe('long-running commands: startup lines on stdout, pino on stderr', () => {
  let origin: DemoOrigin;
  beforeAll(async () => {
    origin = await startDemoOrigin({ h2c: { host: '127.0.0.1', port: 0 } });
  });
  afterAll(() => origin.close());

  function started(p: ProxyProcess, lines: number): Promise<void> {
    return waitFor('the startup lines', () => p.stdout.length >= lines || p.child.exitCode !== null, 15_000);
  }

  it('proxy: a request through it logs its stream line on stderr; stdout keeps only the startup lines', { timeout: 60_000 }, async () => {
    const p = spawnCli(['proxy', '--origin', origin.urls.h2c!, '--listen', '127.0.0.1:0', '--state-dir', '.h2race'], { cwd: freshDir() });
    running.push(p);
    await started(p, 2);
    const url = /^h2race proxy on (https:\/\/127\.0\.0\.1:\d+)/.exec(p.stdout[0] ?? '')?.[1];
    expect(url, p.stderr.join(' | ')).toBeDefined();
    const { stdout } = await curl('curl', ['-sk', '--http2', '--max-time', '10', `${url}/small?size=100`], { encoding: 'buffer' });
    expect(stdout).toHaveLength(100);
    await waitFor('the stream log line', () => p.stderr.some((l) => isJson(l) && l.includes('/small')), 10_000);
    p.child.kill('SIGTERM');
    expect((await p.exit).code).toBe(ExitCode.Ok);
    expect(p.stdout).toHaveLength(2);
    expect(p.stdout[1]).toMatch(/^certificate SHA-256 /);
    expect(p.stderr.filter((l) => !isJson(l))).toEqual([]);
  });

  it('origin: its URLs on stdout, its log line on stderr', { timeout: 60_000 }, async () => {
    const p = spawnCli(['origin', '--h2c', '127.0.0.1:0'], { cwd: freshDir() });
    running.push(p);
    await started(p, 1);
    await waitFor('the log line', () => p.stderr.length > 0 || p.child.exitCode !== null, 10_000);
    p.child.kill('SIGTERM');
    expect((await p.exit).code).toBe(ExitCode.Ok);
    expect(p.stdout).toHaveLength(1);
    expect(p.stdout[0]).toMatch(/^h2c {3}h2c:\/\/127\.0\.0\.1:\d+$/);
    expect(p.stderr.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['demo origin listening']);
  });
});
