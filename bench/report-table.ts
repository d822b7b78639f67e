/** The bench report as plain-text tables for the terminal (and for pasting into the README). */
import type { BenchReport } from './bench.js';
import type { FidelityRow } from './link-fidelity.js';
import type { Figures } from './summary.js';
import type { WorkloadName } from './workloads.js';

type Column = [header: string, value: (f: Figures) => number | undefined, digits: number];

const COLUMNS: Record<WorkloadName, Column[]> = {
  small: [
    ['req/s', (f) => f.reqPerSec, 0],
    ['× direct', (f) => f.vsDirect, 2],
    ['p50 ms', (f) => f.p50Ms, 2],
    ['p99 ms', (f) => f.p99Ms, 2],
    ['CPU µs/req', (f) => f.cpuUsPerRequest, 1],
    ['errors', (f) => f.errors, 0],
  ],
  large: [
    ['MB/s', (f) => f.dataMBps, 1],
    ['× direct', (f) => f.vsDirect, 2],
    ['CPU ms/GiB', (f) => f.cpuMsPerGiB, 0],
    ['errors', (f) => f.errors, 0],
  ],
  rate: [
    ['p50 ms', (f) => f.p50Ms, 3],
    ['p99 ms', (f) => f.p99Ms, 3],
    ['+p50 ms', (f) => f.addedP50Ms, 3],
    ['+p99 ms', (f) => f.addedP99Ms, 3],
    ['CPU µs/req', (f) => f.cpuUsPerRequest, 1],
    ['errors', (f) => f.errors, 0],
  ],
  connections: [
    ['RSS before MB', (f) => f.startRssMB, 1],
    ['peak RSS MB', (f) => f.peakRssMB, 1],
    ['CPU µs/req', (f) => f.cpuUsPerRequest, 1],
    ['req/s', (f) => f.reqPerSec, 0],
    ['p99 ms', (f) => f.p99Ms, 2],
    ['errors', (f) => f.errors, 0],
  ],
};

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function num(value: number | null | undefined, digits: number): string {
  return value === undefined || value === null || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

export function formatReport(report: BenchReport): string {
  const out: string[] = [];
  out.push(`h2race bench (${report.scale}) — ${report.machine.cpus} × ${report.machine.cpuModel}, node ${report.machine.node}`);
  const load = report.machine.loadAverage;
  out.push(`command: ${report.command}   load average ${load.start.toFixed(2)} → ${load.end.toFixed(2)}`);
  out.push('CPU and RSS are the row\'s own processes: the origin for `direct`, the proxy for every other row.');
  out.push('Topology: h2load ─TLS h2→ [proxy ─h2c→] demo origin; every process separate; rounds interleaved.');
  for (const workload of report.workloads) {
    const rows = report.tables[workload.name];
    if (rows === undefined) continue;
    const columns = COLUMNS[workload.name];
    const amount = 'requests' in workload.amount ? `${workload.amount.requests} requests` : `${workload.amount.seconds} s`;
    out.push('', `${workload.name}: ${workload.title} (${amount} per run, ${workload.rounds} round(s), median)`);
    out.push(
      table(
        ['configuration', ...columns.map((c) => c[0])],
        Object.entries(rows).map(([config, f]) => [config, ...columns.map(([, get, digits]) => num(get(f), digits))]),
      ),
    );
  }
  if (report.costSplit.length > 0) {
    out.push('', "h2race's cost, step by step (ratio of the step's end to its start)");
    out.push(
      table(
        ['step', 'from → to', 'small req/s', 'large MB/s', '+p50 ms'],
        report.costSplit.map((r) => [
          r.step,
          `${r.from} → ${r.to}`,
          num(r.smallReqPerSecRatio, 2),
          num(r.largeMBpsRatio, 2),
          num(r.rateAddedP50Ms, 3),
        ]),
      ),
    );
  }
  if (report.pools.length > 0) {
    out.push(
      '',
      'allocation and GC per GiB proxied (large workload). GC: PerformanceObserver durations. heap/external:',
      'used size before each GC minus after the previous one (v8.GCProfiler); external is a lower bound, since',
      'ArrayBuffer memory is freed by a concurrent sweeper. pool: new buffer bytes the pool handed out, exact.',
    );
    out.push(
      table(
        ['configuration', 'MB/s', 'GC ms/GiB', 'heap MB/GiB', 'external MB/GiB', 'process MB/GiB', 'pool MB/GiB'],
        report.pools.map((p) => [
          p.config,
          num(p.throughputMBps, 1),
          num(p.gcMsPerGiB, 1),
          num(p.heapAllocatedMBPerGiB, 1),
          num(p.externalAllocatedMBPerGiB, 1),
          num(p.processAllocatedMBPerGiB, 1),
          num(p.poolAllocatedMBPerGiB, 1),
        ]),
      ),
    );
  }
  if (report.targets.length > 0) {
    out.push('', `targets (${report.subject}, same run)`);
    out.push(
      table(
        ['target', 'figure', 'limit', 'result', 'note'],
        report.targets.map((t) => [
          t.target,
          num(t.figure, 3),
          t.limit,
          t.met === null ? 'not measured' : t.met ? 'met' : 'MISSED',
          t.note,
        ]),
      ),
    );
  }
  const fidelity = fidelityRows(report.linkFidelity);
  if (fidelity.length > 0) out.push('', 'link fidelity (configured vs measured)', fidelityTable(fidelity));
  if (report.linkFidelity !== undefined && !Array.isArray(report.linkFidelity)) {
    out.push(`link fidelity FAILED: ${report.linkFidelity.error}`);
  }
  for (const failure of report.failures) out.push(`FAILED ${failure.workload} ${failure.config} r${failure.round}: ${failure.error}`);
  for (const line of report.skipped) out.push(`skipped: ${line}`);
  return out.join('\n');
}

/** Fidelity rows as a table, one column per field any row has (their columns may grow). */
export function fidelityTable(rows: readonly FidelityRow[]): string {
  const headers = [...new Set(rows.flatMap((row) => Object.keys(row)))] as Array<keyof FidelityRow>;
  return table(headers, rows.map((row) => headers.map((h) => cell(row[h]))));
}

/** The link engineer's rows, or none when that part failed. */
function fidelityRows(value: BenchReport['linkFidelity']): FidelityRow[] {
  return Array.isArray(value) ? value : [];
}

function cell(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(3);
  if (value === undefined || value === null) return '–';
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
