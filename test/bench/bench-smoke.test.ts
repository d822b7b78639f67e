/**
 * The bench's own smoke test: runs the compiled bench with tiny counts (the same code as
 * `npm run bench`), checks the JSON it saves has every field the README and the lead read, and
 * that every process it started is gone afterwards — after a normal end and after Ctrl-C.
 * No timing assertions: the figures are only checked for being numbers.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningInGroup } from '../../bench/proc-stats.js';
import { findExecutable } from '../../bench/tools.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const runJs = join(root, 'dist/bench/run.js');
const h2load = findExecutable('h2load');
if (h2load === undefined) {
  console.warn('bench smoke test skipped: h2load not installed (Debian package nghttp2-client)');
}

/** Newest mtime of the sources the compiled bench is made from. */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of ['bench', 'origin', 'proxy', 'faults', 'config']) {
    if (existsSync(join(root, dir))) walk(join(root, dir));
  }
  return newest;
}

function groupAlive(pid: number): boolean {
  return runningInGroup(pid).length > 0;
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runBench(args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runJs, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe.skipIf(h2load === undefined)('npm run bench (tiny counts)', () => {
  const out = mkdtempSync(join(tmpdir(), 'h2race-bench-test-'));

  beforeAll(() => {
    // CI builds on `npm ci` (prepare); a local tree may hold an older dist/ than its sources.
    if (!existsSync(runJs) || statSync(runJs).mtimeMs < newestSource()) {
      try {
        execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
          cwd: root,
          stdio: 'pipe',
        });
      } catch {
        // tsc emits despite type errors elsewhere in the tree; the run below shows whether the bench works.
      }
    }
  }, 120_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('saves a report with every section and stops every process it started', async () => {
    // Every kind of row; two of the four pool modes (the others run the same code).
    const only = 'direct,node:http2 forward,node tls pipe,h2race no frame path,h2race none,h2race retain,nghttpx,haproxy';
    const result = await runBench(['--tiny', '--out', out, '--only', only]);
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'latest-tiny.json'), 'utf8'));
    expect(readFileSync(join(out, 'latest-tiny.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(report).toMatchObject({ version: 1, scale: 'tiny', subject: 'h2race retain' });
    expect(report.failures, JSON.stringify(report.failures)).toEqual([]);
    const configs = report.configs.map((c: { name: string }) => c.name);
    expect(configs).toContain('direct');
    expect(configs).toContain('node:http2 forward');
    expect(configs).toContain('node tls pipe');
    expect(configs).toEqual(expect.arrayContaining(['h2race no frame path', 'h2race none', 'h2race retain']));
    for (const workload of ['small', 'large', 'rate', 'connections']) {
      for (const config of configs) {
        const figures = report.tables[workload][config];
        expect(figures, `${workload} ${config}`).toBeDefined();
        expect(figures.errors, `${workload} ${config} errors`).toBe(0);
        for (const field of ['reqPerSec', 'p50Ms', 'p99Ms', 'dataMBps', 'peakRssMB', 'cpuUsPerRequest']) {
          expect(Number.isFinite(figures[field]), `${workload} ${config} ${field}`).toBe(true);
        }
      }
    }
    expect(report.tables.large.direct.vsDirect).toBe(1);
    expect(Number.isFinite(report.tables.rate['node:http2 forward'].addedP50Ms)).toBe(true);
    expect(Number.isFinite(report.tables.rate['node tls pipe'].addedP99Ms)).toBe(true);
    expect(report.targets.map((t: { target: string }) => t.target)).toEqual([
      'small req/s vs nghttpx',
      'small CPU/req vs nghttpx',
      '200 streams req/s vs nghttpx',
      'large MB/s vs direct',
      'added latency p50 (ms)',
      'added latency p99 (ms)',
      'RSS, many connections (MB)',
      'frame path share of CPU/req',
      'allocated/GiB retain vs none (process)',
      'allocated/GiB retain vs none (pool)',
    ]);
    for (const target of report.targets) expect([true, false, null]).toContain(target.met);
    const pools = report.pools.map((p: { config: string }) => p.config);
    expect(pools).toContain('node:http2 forward');
    for (const mode of ['h2race none', 'h2race retain']) {
      const pool = report.pools.find((p: { config: string }) => p.config === mode);
      expect(Number.isFinite(pool.poolAllocatedMBPerGiB), mode).toBe(true);
      expect(Number.isFinite(pool.gcMsPerGiB), mode).toBe(true);
      expect(pool.poolCounters.acquired, mode).toBeGreaterThan(0);
    }
    // NON_POOLING allocates for every frame it carries.
    expect(report.pools.find((p: { config: string }) => p.config === 'h2race none').poolAllocatedMBPerGiB).toBeGreaterThan(0);
    expect(report.costSplit.map((r: { to: string }) => r.to)).toEqual(['node:http2 forward', 'h2race no frame path', 'h2race retain', 'h2race none']);
    // Every process the bench started (proxies, origin, every h2load run) is gone, with its group.
    expect(report.processes.started.length).toBeGreaterThanOrEqual(configs.length + 1);
    expect(report.processes.leftRunning).toEqual([]);
    for (const { name, pid } of report.processes.started) expect(groupAlive(pid), `${name} ${pid}`).toBe(false);
  });

  it('stops every process it started when interrupted (Ctrl-C)', async () => {
    let interrupted = false;
    const result = await runBench(['--tiny', '--out', out, '--only', 'direct,h2race retain,nghttpx'], (stderr, child) => {
      // Interrupt once the origin and the proxies are up, while load is running.
      if (!interrupted && /started h2race retain/.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    expect(interrupted, result.stderr).toBe(true);
    expect(result.code).toBe(130);
    const pids = [...result.stderr.matchAll(/started .+ \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    expect(pids.length).toBeGreaterThanOrEqual(2);
    for (const pid of pids) expect(groupAlive(pid), `pid ${pid}`).toBe(false);
  });
});
