/**
 * A self-contained SVG of the bench's headline figures: one panel per workload, one bar per
 * configuration, the value printed at the bar's end. h2race rows are drawn in one colour, the
 * baseline and the peers in others, so the comparison reads at a glance.
 */
import type { BenchReport } from './bench.js';
import type { Figures } from './summary.js';
import type { WorkloadName } from './workloads.js';

interface Panel {
  workload: WorkloadName;
  metric: string;
  value: (f: Figures) => number | undefined;
  unit: string;
}

const PANELS: Panel[] = [
  { workload: 'small', metric: 'req/s (higher is better)', value: (f) => f.reqPerSec, unit: 'req/s' },
  { workload: 'large', metric: 'MB/s (higher is better)', value: (f) => f.dataMBps, unit: 'MB/s' },
  { workload: 'rate', metric: 'p99 latency, ms (lower is better)', value: (f) => f.p99Ms, unit: 'ms' },
  { workload: 'connections', metric: 'peak RSS of the process, MB (lower is better)', value: (f) => f.peakRssMB, unit: 'MB' },
];

const WIDTH = 760;
const LABEL = 190;
const BAR_H = 16;
const GAP = 5;

function colour(config: string): string {
  if (config === 'direct') return '#6b7280';
  if (config.startsWith('h2race')) return '#2563eb';
  if (config.startsWith('node:')) return '#0d9488';
  return '#d97706';
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function renderChart(report: BenchReport): string {
  const parts: string[] = [];
  let y = 40;
  for (const panel of PANELS) {
    const table = report.tables[panel.workload];
    if (table === undefined) continue;
    const rows = Object.entries(table)
      .map(([config, f]) => [config, panel.value(f)] as const)
      .filter((r): r is readonly [string, number] => r[1] !== undefined && Number.isFinite(r[1]));
    const max = Math.max(...rows.map((r) => r[1]), 1e-9);
    const title = report.workloads.find((w) => w.name === panel.workload)?.title ?? panel.workload;
    parts.push(`<text x="10" y="${y}" font-weight="bold">${escape(`${title} — ${panel.metric}`)}</text>`);
    y += 10;
    for (const [config, value] of rows) {
      const w = Math.max(1, ((WIDTH - LABEL - 90) * value) / max);
      parts.push(
        `<text x="${LABEL - 6}" y="${y + BAR_H - 4}" text-anchor="end">${escape(config)}</text>`,
        `<rect x="${LABEL}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${colour(config)}"/>`,
        `<text x="${(LABEL + w + 4).toFixed(1)}" y="${y + BAR_H - 4}">${value.toFixed(value < 10 ? 2 : 0)} ${panel.unit}</text>`,
      );
      y += BAR_H + GAP;
    }
    y += 24;
  }
  const met = report.targets.map(
    (t) =>
      `${t.target}: ${t.figure === null ? '–' : t.figure.toFixed(3)} (${t.limit}) ` +
      (t.met === null ? 'not measured' : t.met ? 'met' : 'MISSED'),
  );
  for (const line of met) {
    parts.push(`<text x="10" y="${y}">${escape(line)}</text>`);
    y += 16;
  }
  const load = report.machine.loadAverage;
  const title =
    `h2race bench (${report.scale}), ${report.finishedAt}, ${report.machine.cpus} CPUs, node ${report.machine.node}, ` +
    `load ${load.start.toFixed(1)}→${load.end.toFixed(1)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y + 10}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
