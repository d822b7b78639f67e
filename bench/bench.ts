/**
 * One bench run: start every configuration, measure every workload against each back to back
 * (rounds interleaved, order alternating), stop everything, and return the report.
 * Every process it starts belongs to `children`; the caller decides how to end on signals.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSelfSigned } from '../origin/cert.js';
import type { ChildProcesses } from './children.js';
import { COST_STEPS, NONE_SUBJECT, NO_FRAME_PATH_SUBJECT, SUBJECT, configSpecs, type StartContext } from './configs.js';
import { runH2load } from './h2load.js';
import { measureCell, type CellResult } from './measure.js';
import { startNodeChild } from './node-target.js';
import { runningInGroup } from './proc-stats.js';
import {
  costSplit,
  evaluateTargets,
  poolFigures,
  workloadTables,
  type CostSplitRow,
  type FidelityRow,
  type PoolFigures,
  type TargetResult,
  type WorkloadTable,
} from './summary.js';
import type { Target } from './target.js';
import { detectTools, missingToolMessage } from './tools.js';
import { warmUpRequests, workloads, type Scale, type Workload, type WorkloadName } from './workloads.js';

export interface BenchOptions {
  scale: Scale;
  /** Configuration names to run (default: all); the others are listed as skipped. */
  only?: string[];
  children: ChildProcesses;
  /** Progress lines (the terminal); the report itself is returned. */
  log: (line: string) => void;
  /** The link engineer's fidelity rows (bench/link-fidelity.ts), run after the proxy rows. */
  linkFidelity?: (quick: boolean) => Promise<FidelityRow[]>;
}

export interface BenchReport {
  version: 1;
  command: string;
  scale: Scale;
  startedAt: string;
  finishedAt: string;
  machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    platform: string;
    h2load: string | null;
    /** 1-minute load average at the start and the end: other work on the machine skews figures. */
    loadAverage: { start: number; end: number };
  };
  skipped: string[];
  configs: Array<{ name: string; kind: string; pid: number }>;
  workloads: Array<Omit<Workload, 'timeoutMs'>>;
  tables: Partial<Record<WorkloadName, WorkloadTable>>;
  pools: PoolFigures[];
  costSplit: CostSplitRow[];
  targets: TargetResult[];
  subject: string;
  failures: Array<{ config: string; workload: string; round: number; error: string }>;
  cells: CellResult[];
  linkFidelity?: FidelityRow[] | { error: string };
  /** Every process the bench started, and whether any was still alive after the end. */
  processes: { started: Array<{ name: string; pid: number }>; leftRunning: number[] };
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg()[0]!;
  const { children, log } = options;
  const tools = detectTools();
  const skipped: string[] = [];
  const report = (partial: Partial<BenchReport>): BenchReport => ({
    version: 1,
    command: `npm run bench${options.scale === 'full' ? '' : ` -- --${options.scale}`}`,
    scale: options.scale,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      h2load: tools.h2load.path ? versionOf(tools.h2load.path) : null,
      loadAverage: { start: loadAtStart, end: loadavg()[0]! },
    },
    skipped,
    configs: [],
    workloads: workloads(options.scale).map(({ timeoutMs: _t, ...w }) => w),
    tables: {},
    pools: [],
    costSplit: [],
    targets: [],
    subject: SUBJECT,
    failures: [],
    cells: [],
    processes: { started: [...children.started], leftRunning: [] },
    ...partial,
  });
  if (!tools.h2load.path) {
    skipped.push(missingToolMessage(tools.h2load));
    log(`${skipped[0]}: nothing to measure`);
    return report({});
  }
  const h2load = tools.h2load.path;
  const all = configSpecs(tools);
  const unknown = (options.only ?? []).filter((name) => !all.some((spec) => spec.name === name));
  if (unknown.length > 0) {
    throw new Error(`--only: no configuration named ${unknown.map((n) => `"${n}"`).join(', ')} (known: ${all.map((s) => s.name).join(', ')})`);
  }
  const specs = all.filter((spec) => {
    const wanted = options.only === undefined || options.only.includes(spec.name);
    if (!wanted) skipped.push(`${spec.name}: not selected (--only)`);
    return wanted;
  });
  const dir = await mkdtemp(join(tmpdir(), 'h2race-bench-'));
  const targets: Array<Target & { kind: string }> = [];
  const cells: CellResult[] = [];
  const failures: BenchReport['failures'] = [];
  let linkFidelity: BenchReport['linkFidelity'];
  try {
    const pair = await generateSelfSigned('h2race bench');
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    await writeFile(certFile, pair.cert);
    await writeFile(keyFile, pair.key, { mode: 0o600 });
    log('starting the demo origin');
    const origin = await startNodeChild(children, 'origin', 'serve-origin.js', { cert: pair.cert, key: pair.key });
    log(`started origin (pid ${origin.child.pid})`);
    const ctx: StartContext = { children, tools, dir, cert: { cert: pair.cert, key: pair.key, certFile, keyFile }, origin };
    for (const spec of specs) {
      if (spec.unavailable) {
        skipped.push(`${spec.name}: ${spec.unavailable}`);
        log(`skip ${spec.name}: ${spec.unavailable}`);
      }
    }
    // Started together (each is its own process); listed in the specs' order.
    const started = await Promise.all(
      specs
        .filter((spec) => !spec.unavailable)
        .map((spec) =>
          spec.start(ctx).then(
            (target) => ({ ...target, kind: spec.kind }),
            (error: Error) => {
              skipped.push(`${spec.name}: failed to start: ${error.message}`);
              log(`skip ${spec.name}: ${error.message}`);
              return undefined;
            },
          ),
        ),
    );
    for (const target of started) {
      if (target === undefined) continue;
      targets.push(target);
      log(`started ${target.name} (pid ${target.child.pid})`);
    }
    // Warm up every configuration (JIT, TLS session setup paths) before anything is recorded.
    for (const target of warmUpRequests(options.scale) > 0 ? targets : []) {
      await runH2load(h2load, children, {
        url: `${target.url}/small?size=1024`,
        amount: { requests: warmUpRequests(options.scale) },
        clients: 2,
        streams: 10,
        timeoutMs: 30_000,
      }).catch((error: Error) => log(`warm-up of ${target.name} failed: ${error.message}`));
    }
    for (const workload of workloads(options.scale)) {
      for (let round = 0; round < workload.rounds; round++) {
        const order = round % 2 === 0 ? targets : [...targets].reverse();
        for (const target of order) {
          try {
            const cell = await measureCell(h2load, children, target, workload, round);
            cells.push(cell);
            log(describeCell(cell));
          } catch (error) {
            failures.push({ config: target.name, workload: workload.name, round, error: (error as Error).message });
            log(`${workload.name} ${target.name}: FAILED ${(error as Error).message}`);
          }
        }
      }
    }
    if (options.linkFidelity && options.scale === 'tiny') {
      skipped.push('link fidelity: not run at tiny scale (its own quick run takes longer than the whole tiny bench)');
    } else if (options.linkFidelity) {
      // Measured with every proxy stopped: the links run in this process and want a quiet machine.
      await children.stopAll();
      log('link fidelity');
      linkFidelity = await options.linkFidelity(options.scale !== 'full').catch((error: Error) => ({ error: error.message }));
    }
  } finally {
    await children.stopAll();
    await rm(dir, { recursive: true, force: true });
  }
  const tables = workloadTables(cells);
  const pools = poolFigures(cells);
  return report({
    configs: targets.map((t) => ({ name: t.name, kind: t.kind, pid: t.child.pid })),
    tables,
    pools,
    costSplit: costSplit(tables, COST_STEPS),
    targets: evaluateTargets(tables, pools, SUBJECT, NONE_SUBJECT, NO_FRAME_PATH_SUBJECT, concurrentStreams(options.scale)),
    failures,
    cells,
    linkFidelity,
    processes: {
      started: [...children.started],
      leftRunning: children.started.flatMap((c) => runningInGroup(c.pid)),
    },
  });
}

function concurrentStreams(scale: Scale): number {
  const many = workloads(scale).find((w) => w.name === 'connections')!;
  return many.clients * many.streams;
}

function describeCell(cell: CellResult): string {
  const h = cell.h2load;
  const errors = h.requests.total - h.requests.succeeded;
  return (
    `${cell.workload.padEnd(11)} r${cell.round} ${cell.config.padEnd(22)} ` +
    `${h.reqPerSec.toFixed(0).padStart(7)} req/s ${h.dataMBps.toFixed(1).padStart(7)} MB/s ` +
    `p50 ${h.latency.p50Ms.toFixed(2)} ms p99 ${h.latency.p99Ms.toFixed(2)} ms` +
    (errors > 0 ? ` ${errors} errors` : '')
  );
}

function versionOf(binary: string): string | null {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim().split('\n')[0] ?? null;
  } catch {
    return null;
  }
}
