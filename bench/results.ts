/**
 * Where a report is kept: `latest.json` (the full run, committed) or `latest-<scale>.json`, a
 * timestamped copy (not committed, see bench/results/.gitignore), and the chart beside them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchReport } from './bench.js';
import { renderChart } from './report-chart.js';

export async function saveReport(report: BenchReport, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const json = JSON.stringify(report, null, 2) + '\n';
  const stamp = report.finishedAt.replace(/[:.]/g, '-');
  const latest = report.scale === 'full' ? 'latest' : `latest-${report.scale}`;
  const files = [join(dir, `${latest}.json`), join(dir, `${stamp}-${report.scale}.json`), join(dir, `${latest}.svg`)];
  await writeFile(files[0]!, json);
  await writeFile(files[1]!, json);
  await writeFile(files[2]!, renderChart(report));
  return files;
}
