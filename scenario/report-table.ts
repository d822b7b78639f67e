/**
 * The terminal table: one row per run (pooling mode × profile), the verdict first; under the row
 * that had them, why it could not test, the reasons for collateral failures and for origin
 * errors, the GOAWAYs, and the story of the first damaged connection (damage-story.ts).
 */
import {
  clientsOf,
  formatBytes,
  formatCounts,
  formatDrain,
  formatMs,
  formatQueueDepth,
  formatRate,
  formatShape,
  formatSseDelay,
  formatVideoGoodput,
  goawayTotal,
  storyTitle,
} from './format.js';
import type { RunSummary, Verdict } from './run-summary.js';

const COLUMNS: { title: string; grpcTitle?: string; cell: (s: RunSummary) => string; right?: boolean }[] = [
  { title: 'mode', cell: (s) => s.mode ?? '-' },
  { title: 'profile', cell: (s) => s.profile ?? '-' },
  { title: 'verdict', cell: (s) => s.verdict },
  { title: 'streams', cell: (s) => String(s.streams), right: true },
  { title: 'cancels', cell: (s) => String(s.cancels), right: true },
  { title: 'collateral', cell: (s) => String(s.collateral), right: true },
  { title: 'origin errors', cell: (s) => String(s.originErrors), right: true },
  { title: 'GOAWAY c/s', cell: (s) => `${goawayTotal(s, 'client')}/${goawayTotal(s, 'server')}`, right: true },
  { title: 'corrupted', cell: (s) => formatBytes(s.corruptedBytes), right: true },
  { title: 'stalled', cell: (s) => String(s.stalledStreams), right: true },
  { title: 'wrong', cell: (s) => String(s.wrongContentStreams), right: true },
  { title: 'SSE ev/gap/re', grpcTitle: 'Watch msg/gap/re', cell: (s) => `${s.sseEvents}/${s.sseGaps}/${s.sseReconnects}`, right: true },
  { title: 'SSE delay p50/p99', grpcTitle: 'Watch delay p50/p99', cell: formatSseDelay, right: true },
  { title: 'pool races', cell: (s) => (s.poolRaces === undefined ? '-' : String(s.poolRaces)), right: true },
  { title: 'goodput', cell: (s) => formatRate(s.goodputBytesPerSec), right: true },
  { title: 'link capacity', cell: (s) => (s.capacityBytesPerSec === undefined ? '-' : formatRate(s.capacityBytesPerSec)), right: true },
  { title: 'wasted', cell: (s) => formatBytes(s.wastedBytes), right: true },
  { title: 'video (of left)', cell: formatVideoGoodput, right: true },
  { title: 'deepest queue', cell: formatQueueDepth, right: true },
];

/** ANSI colours: green, yellow, magenta, red. */
const VERDICT_COLOR: Record<Verdict, number> = { CLEAN: 32, 'ORIGIN-ERRORS': 33, ERROR: 35, COLLATERAL: 31 };

export function formatTable(summaries: readonly RunSummary[], color = false): string {
  const grpc = clientsOf(summaries) === 'grpc';
  const titles = COLUMNS.map((c) => (grpc && c.grpcTitle) || c.title);
  const rows = summaries.map((s) => COLUMNS.map((c) => c.cell(s)));
  const widths = COLUMNS.map((_, i) => Math.max(titles[i]!.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((cell, i) => (COLUMNS[i]!.right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
  const paint = (s: RunSummary, text: string): string => (color ? `\x1b[${VERDICT_COLOR[s.verdict]}m${text}\x1b[0m` : text);
  const out = [line(titles), widths.map((w) => '-'.repeat(w)).join('  ')];
  summaries.forEach((s, i) => {
    out.push(paint(s, line(rows[i]!)));
    const shape = formatShape(s);
    if (shape) out.push(`    shaped: ${shape}`);
    if (s.error !== undefined) out.push(`    error: ${s.error}`);
    const drain = formatDrain(s);
    if (drain) out.push(`    late bytes: ${drain}`);
    if (s.collateral > 0) out.push(`    collateral: ${formatCounts(s.collateralCodes)}`);
    if (s.firstWrongContent !== undefined) out.push(`    first wrong content: ${s.firstWrongContent}`);
    if (s.originErrors > 0) out.push(`    origin errors: ${formatCounts(s.originErrorCodes)}`);
    if (s.verifyErrors > 0) out.push(`    ${s.verifyErrors} bodies could not be verified (see --json / the HTML report)`);
    if (goawayTotal(s, 'client') + goawayTotal(s, 'server') > 0) {
      out.push(`    GOAWAY sent by client: ${formatCounts(s.goaways.client)}; by server: ${formatCounts(s.goaways.server)}`);
    }
    const first = s.damage[0];
    if (first) {
      out.push(`    ${storyTitle(first, s.damagedConnections)}:`);
      for (const line of first.lines) out.push(`      ${line.atMs === undefined ? '       ' : formatMs(line.atMs)}  ${line.text}`);
    }
  });
  return out.join('\n');
}
