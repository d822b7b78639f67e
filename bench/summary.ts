/**
 * From measured cells to the figures the report shows: per workload and configuration the median
 * over rounds, ratios against `direct` (and nghttpx), h2race's cost split, the pool's allocation
 * and GC per GiB, and the targets of issue 12 with met/missed.
 */
import type { CellResult } from './measure.js';
import type { WorkloadName } from './workloads.js';

export interface Figures {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  dataMBps: number;
  /** Requests that did not succeed (failed + errored + timeout). */
  errors: number;
  peakRssMB: number;
  /** RSS when the workload began (what earlier workloads left), MB. */
  startRssMB: number;
  /** The configuration's own CPU time per succeeded request, in µs. */
  cpuUsPerRequest: number;
  /** The configuration's own CPU time per GiB of response bodies, in ms. */
  cpuMsPerGiB: number;
  /** Latency added over `direct` (rate workload), ms. */
  addedP50Ms?: number;
  addedP99Ms?: number;
  /** Ratio to `direct` of the workload's headline figure (req/s or MB/s). */
  vsDirect?: number;
}

export type WorkloadTable = Record<string, Figures>;

export interface PoolFigures {
  config: string;
  throughputMBps: number;
  gibProxied: number;
  gcMsPerGiB: number;
  heapAllocatedMBPerGiB: number;
  externalAllocatedMBPerGiB: number;
  /** Heap + external. */
  processAllocatedMBPerGiB: number;
  /** From the pool's counters, when it reports allocated bytes. */
  poolAllocatedMBPerGiB?: number;
  poolCounters?: Record<string, number>;
}

export interface TargetResult {
  target: string;
  figure: number | null;
  limit: string;
  met: boolean | null;
  note: string;
}

export interface CostSplitRow {
  step: string;
  from: string;
  to: string;
  smallReqPerSecRatio: number | null;
  largeMBpsRatio: number | null;
  rateAddedP50Ms: number | null;
}

/** One row of the link fidelity table (link-fidelity.ts): a configured figure beside what the link delivered. */
export interface FidelityRow {
  figure: string;
  setup: string;
  configured: number;
  measured: number;
  unit: string;
  /** Delay rows: the same percentile of the seeded draws themselves, so sampling noise and the
   * link's own error can be told apart (configured → drawn is sampling, drawn → measured is the link). */
  drawn?: number;
  /** (measured − configured) / configured, in percent. */
  deviationPercent: number;
  target: string;
  met: boolean;
}

const MB = 1e6;
const GiB = 1024 ** 3;

export function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function figuresOf(cells: CellResult[]): Figures {
  const m = (f: (c: CellResult) => number): number => median(cells.map(f));
  return {
    reqPerSec: m((c) => c.h2load.reqPerSec),
    p50Ms: m((c) => c.h2load.latency.p50Ms),
    p99Ms: m((c) => c.h2load.latency.p99Ms),
    dataMBps: m((c) => c.h2load.dataMBps),
    errors: Math.max(...cells.map((c) => c.h2load.requests.total - c.h2load.requests.succeeded)),
    peakRssMB: Math.max(...cells.map((c) => c.process.peakRssBytes)) / MB,
    startRssMB: Math.min(...cells.map((c) => c.process.startRssBytes)) / MB,
    cpuUsPerRequest: m((c) => (c.process.cpuMs * 1000) / Math.max(1, c.h2load.requests.succeeded)),
    cpuMsPerGiB: m((c) => (c.h2load.dataBytes > 0 ? c.process.cpuMs / (c.h2load.dataBytes / GiB) : NaN)),
  };
}

export function workloadTables(cells: CellResult[]): Record<WorkloadName, WorkloadTable> {
  const tables = {} as Record<WorkloadName, WorkloadTable>;
  for (const cell of cells) {
    const table = (tables[cell.workload] ??= {});
    table[cell.config] ??= figuresOf(cells.filter((c) => c.workload === cell.workload && c.config === cell.config));
  }
  for (const [workload, table] of Object.entries(tables) as Array<[WorkloadName, WorkloadTable]>) {
    const direct = table['direct'];
    if (direct === undefined) continue;
    for (const figures of Object.values(table)) {
      if (workload === 'rate') {
        figures.addedP50Ms = figures.p50Ms - direct.p50Ms;
        figures.addedP99Ms = figures.p99Ms - direct.p99Ms;
      }
      figures.vsDirect =
        workload === 'large' ? figures.dataMBps / direct.dataMBps : figures.reqPerSec / direct.reqPerSec;
    }
  }
  return tables;
}

/** Allocation and GC per GiB for every target that reported a window during the large workload. */
export function poolFigures(cells: CellResult[]): PoolFigures[] {
  const byConfig = new Map<string, CellResult[]>();
  for (const cell of cells) {
    if (cell.workload !== 'large' || cell.window === undefined) continue;
    byConfig.set(cell.config, [...(byConfig.get(cell.config) ?? []), cell]);
  }
  return [...byConfig].map(([config, runs]) => {
    const gib = runs.reduce((s, c) => s + c.h2load.dataBytes, 0) / GiB;
    const sum = (f: (c: CellResult) => number): number => runs.reduce((s, c) => s + f(c), 0);
    const heap = sum((c) => c.window!.heapAllocatedBytes);
    const external = sum((c) => c.window!.externalAllocatedBytes);
    const poolBytes = runs.every((c) => c.window!.pool?.allocatedBytes !== undefined)
      ? sum((c) => c.window!.pool!.allocatedBytes!)
      : undefined;
    const counters: Record<string, number> = {};
    for (const run of runs) {
      for (const [k, v] of Object.entries(run.window!.pool ?? {})) counters[k] = (counters[k] ?? 0) + v;
    }
    return {
      config,
      throughputMBps: median(runs.map((c) => c.h2load.dataMBps)),
      gibProxied: gib,
      gcMsPerGiB: sum((c) => c.window!.gcMs) / gib,
      heapAllocatedMBPerGiB: heap / MB / gib,
      externalAllocatedMBPerGiB: external / MB / gib,
      processAllocatedMBPerGiB: (heap + external) / MB / gib,
      poolAllocatedMBPerGiB: poolBytes === undefined ? undefined : poolBytes / MB / gib,
      poolCounters: runs.some((c) => c.window!.pool) ? counters : undefined,
    };
  });
}

/** Each step from direct to full h2race, as the ratio of the step's end to its start. */
export function costSplit(tables: Record<WorkloadName, WorkloadTable>, steps: Array<[string, string, string]>): CostSplitRow[] {
  return steps
    .filter(([, from, to]) => tables.small?.[from] !== undefined && tables.small?.[to] !== undefined)
    .map(([step, from, to]) => ({
      step,
      from,
      to,
      smallReqPerSecRatio: ratio(tables.small?.[to]?.reqPerSec, tables.small?.[from]?.reqPerSec),
      largeMBpsRatio: ratio(tables.large?.[to]?.dataMBps, tables.large?.[from]?.dataMBps),
      rateAddedP50Ms: difference(tables.rate?.[to]?.p50Ms, tables.rate?.[from]?.p50Ms),
    }));
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined || !(b > 0) ? null : a / b;
}

function difference(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined ? null : a - b;
}

export function evaluateTargets(
  tables: Record<WorkloadName, WorkloadTable>,
  pools: PoolFigures[],
  subject: string,
  noneConfig: string,
  /** The subject without frame path and pool: the frame path's share of CPU per request is the difference. */
  noFramePathConfig: string,
  /** Streams open at once in the many-connections workload (1000 at full and quick scale). */
  concurrentStreams: number,
): TargetResult[] {
  const own = (w: WorkloadName): Figures | undefined => tables[w]?.[subject];
  const nghttpx = (w: WorkloadName): Figures | undefined => tables[w]?.['nghttpx'];
  const results: TargetResult[] = [];
  const add = (target: string, figure: number | null | undefined, limit: string, ok: (v: number) => boolean, note: string): void => {
    const value = figure === undefined || figure === null || !Number.isFinite(figure) ? null : figure;
    results.push({ target, figure: value, limit, met: value === null ? null : ok(value), note });
  };
  const vsNghttpx = nghttpx('small') === undefined ? 'nghttpx not measured' : `${subject} / nghttpx`;
  add('small req/s vs nghttpx', ratio(own('small')?.reqPerSec, nghttpx('small')?.reqPerSec), '≥ 1.0', (v) => v >= 1, vsNghttpx);
  add('small CPU/req vs nghttpx', ratio(own('small')?.cpuUsPerRequest, nghttpx('small')?.cpuUsPerRequest), '≤ 1.0', (v) => v <= 1, vsNghttpx);
  add(
    `${concurrentStreams} streams req/s vs nghttpx`,
    ratio(own('connections')?.reqPerSec, nghttpx('connections')?.reqPerSec),
    '≥ 1.0',
    (v) => v >= 1,
    vsNghttpx,
  );
  add('large MB/s vs direct', ratio(own('large')?.dataMBps, tables.large?.['direct']?.dataMBps), '≥ 0.9', (v) => v >= 0.9, `${subject} / direct`);
  add('added latency p50 (ms)', own('rate')?.addedP50Ms, '≤ 0.3', (v) => v <= 0.3, 'fixed rate, over direct');
  add('added latency p99 (ms)', own('rate')?.addedP99Ms, '≤ 1.5', (v) => v <= 1.5, 'fixed rate, over direct');
  add('RSS, many connections (MB)', own('connections')?.peakRssMB, '≤ 150', (v) => v <= 150, `peak RSS of the proxy process, ${concurrentStreams} concurrent streams`);
  const bare = tables.small?.[noFramePathConfig]?.cpuUsPerRequest;
  const full = own('small')?.cpuUsPerRequest;
  add(
    'frame path share of CPU/req',
    bare === undefined || full === undefined ? null : (full - bare) / full,
    '≤ 0.1',
    (v) => v <= 0.1,
    `small: (${subject} − ${noFramePathConfig}) / ${subject}`,
  );
  const retain = pools.find((p) => p.config === subject);
  const none = pools.find((p) => p.config === noneConfig);
  add(
    'allocated/GiB retain vs none (process)',
    ratio(retain?.processAllocatedMBPerGiB, none?.processAllocatedMBPerGiB),
    '≤ 0.2',
    (v) => v <= 0.2,
    'V8 heap + external, from GC statistics (external is a lower bound)',
  );
  add(
    'allocated/GiB retain vs none (pool)',
    ratio(retain?.poolAllocatedMBPerGiB, none?.poolAllocatedMBPerGiB),
    '≤ 0.2',
    (v) => v <= 0.2,
    'new buffer bytes the pool handed out (exact)',
  );
  return results;
}
