/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, no external asset).
 * Per run, the summary and a timeline of the connections where something happened — each
 * stream a lane, our cancels, the first corrupted bytes, the GOAWAY and the streams it took down.
 */
import { errorCodeName } from '../h2/frame/constants.js';
import { formatBytes, formatCounts, formatRate, goawayTotal } from './format.js';
import type { RunSummary } from './summary.js';
import type { ConnectionRecord, GoawayRecord, RunRecord, StreamRecord } from './types.js';

export interface ReportRun {
  summary: RunSummary;
  record: RunRecord;
}

/** Connections drawn per run: the ones with damage first. */
const MAX_CONNECTIONS = 6;
/** Lanes per connection: the latest streams, where a failure ends it. */
const MAX_LANES = 60;
const WIDTH = 960;
const LANE = 9;
const LEFT = 150;

export function renderHtmlReport(runs: readonly ReportRun[], title = 'h2race collateral-damage report'): string {
  const generated = new Date().toISOString();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="meta">Generated ${esc(generated)}. A <b>collateral failure</b> is a stream nobody cancelled that died with its connection
(a GOAWAY, the connection lost) or whose bytes our client refused; an <b>origin error</b> is a stream the origin refused or failed on its own
(its RST_STREAM, a 4xx/5xx, h2race's 502 for it). Verdicts: COLLATERAL = a collateral failure or a corrupted byte; ERROR = the run could
not test (nothing played); ORIGIN-ERRORS = origin errors only; CLEAN = none of these.</p>
${summaryTable(runs.map((r) => r.summary))}
${runs.map(runSection).join('\n')}
${LEGEND}
</body></html>
`;
}

function summaryTable(rows: readonly RunSummary[]): string {
  const head = ['mode', 'profile', 'verdict', 'streams', 'cancels', 'collateral', 'origin errors', 'GOAWAY client/server', 'corrupted', 'SSE events / gaps / reconnects', 'pool races', 'throughput'];
  const body = rows
    .map(
      (s) => `<tr><td>${esc(s.mode ?? '-')}</td><td>${esc(s.profile ?? '-')}</td><td><span class="v ${s.verdict}">${s.verdict}</span></td>
<td>${s.streams}</td><td>${s.cancels}</td><td>${s.collateral}</td><td>${s.originErrors}</td><td>${goawayTotal(s, 'client')} / ${goawayTotal(s, 'server')}</td>
<td>${esc(formatBytes(s.corruptedBytes))}</td><td>${s.sseEvents} / ${s.sseGaps} / ${s.sseReconnects}</td>
<td>${s.poolRaces ?? '-'}</td><td>${esc(formatRate(s.throughputBytesPerSec))}</td></tr>`,
    )
    .join('\n');
  return `<table class="summary"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>`;
}

function runSection({ summary: s, record: r }: ReportRun): string {
  // Damage per connection, counted in one pass (not once per comparison of the sort).
  const damage = new Map<number, number>();
  const add = (connection: number, n: number): void => void damage.set(connection, (damage.get(connection) ?? 0) + n);
  for (const g of r.goaways) if (g.code !== 0) add(g.connection, 100);
  for (const x of r.streams) if ((x.outcome === 'failed' && !x.cancelledByUs) || x.corruptBytes > 0) add(x.connection, 1);
  const damaged = (c: ConnectionRecord): number => damage.get(c.id) ?? 0;
  const shown = [...r.connections].sort((a, b) => damaged(b) - damaged(a) || a.id - b.id).slice(0, MAX_CONNECTIONS);
  const runEnd = r.durationMs;
  return `<section><h2>${esc(s.mode ?? 'run')}${s.profile ? ` · ${esc(s.profile)}` : ''} <span class="v ${s.verdict}">${s.verdict}</span></h2>
<p class="meta">target ${esc(r.target)}${r.shape === undefined ? '' : ` (shaped: through a relay running ${esc(r.shape)} both ways)`} · ${r.viewers} viewers · ${(r.durationMs / 1000).toFixed(1)} s · seed ${r.seed} · ${r.connections.length} connections ·
${s.streams} streams (video ${s.streamsByKind.video}, SSE ${s.streamsByKind.events}, small ${s.streamsByKind.small}) · ${esc(formatBytes(s.bodyBytes))} received</p>
<ul class="facts">
${s.error === undefined ? '' : `<li>could not test: <b>${esc(s.error)}</b></li>`}
<li>collateral failures: <b>${s.collateral}</b> ${s.collateral ? `(${esc(formatCounts(s.collateralCodes))})` : ''}</li>
<li>origin errors: <b>${s.originErrors}</b> ${s.originErrors ? `(${esc(formatCounts(s.originErrorCodes))})` : ''}</li>
<li>GOAWAY sent by client: ${esc(formatCounts(s.goaways.client))}; by server: ${esc(formatCounts(s.goaways.server))}</li>
<li>corrupted bytes: <b>${s.corruptedBytes}</b>${s.verifyErrors ? ` (${s.verifyErrors} bodies could not be verified: ${esc(r.verifyErrors[0]!.message)})` : ''}; SSE: ${s.sseEvents} events, ${s.sseGaps} missing ids, ${s.sseReconnects} reconnects, longest silence ${s.sseMaxSilenceMs} ms</li>
<li>races counted by the pool: ${s.poolRaces ?? 'not known'}</li>
</ul>
${shown.map((c) => timeline(c, r, runEnd)).join('\n')}
${r.connections.length > shown.length ? `<p class="meta">${r.connections.length - shown.length} more connections not drawn.</p>` : ''}
</section>`;
}

function timeline(conn: ConnectionRecord, run: RunRecord, runEnd: number): string {
  const all = run.streams.filter((s) => s.connection === conn.id);
  const streams = all.slice(-MAX_LANES);
  const goaways = run.goaways.filter((g) => g.connection === conn.id);
  const t0 = conn.openedMs;
  const t1 = Math.max(t0 + 1, conn.closedMs ?? runEnd, ...streams.map((s) => s.endMs ?? runEnd));
  const x = (t: number): number => LEFT + ((t - t0) / (t1 - t0)) * (WIDTH - LEFT - 10);
  const height = 24 + streams.length * LANE + 16;
  const lanes = streams.map((s, i) => lane(s, 20 + i * LANE, x, runEnd)).join('');
  const marks = goaways.map((g) => goawayMark(g, x, height)).join('');
  const axis = ticks(t0, t1).map((t) => `<line x1="${x(t)}" y1="14" x2="${x(t)}" y2="${height - 12}" class="grid"/><text x="${x(t)}" y="${height - 2}" class="tick">${(t / 1000).toFixed(1)}s</text>`).join('');
  const why = conn.endedBy ? ` — ended by ${esc(conn.endedBy)}` : '';
  return `<h3>viewer ${conn.viewer}, connection ${conn.id}${why}${all.length > streams.length ? ` <span class="meta">(last ${streams.length} of ${all.length} streams)</span>` : ''}</h3>
<svg width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img">${axis}${lanes}${marks}</svg>`;
}

function lane(s: StreamRecord, y: number, x: (t: number) => number, runEnd: number): string {
  const end = s.endMs ?? runEnd;
  const fault = s.fault === 'collateral' ? ' failed' : s.fault === 'origin' ? ' origin' : '';
  const cls = `bar ${s.kind}${fault}${s.outcome === 'cancelled' ? ' cancelled' : ''}`;
  const label = `${s.kind} #${s.streamId ?? '?'} ${s.path}${s.rangeStart !== undefined ? ` bytes=${s.rangeStart}-` : ''}`;
  const tip = `${label}\n${s.outcome ?? 'open'}${s.error ? `: ${s.error}` : ''}, ${s.bytes} bytes, ${(s.startMs / 1000).toFixed(3)}–${(end / 1000).toFixed(3)} s${s.corruptBytes ? `, ${s.corruptBytes} corrupted bytes` : ''}`;
  let out = `<g><title>${esc(tip)}</title><text x="${LEFT - 4}" y="${y + LANE - 2}" class="lbl">${esc(`${s.kind} #${s.streamId ?? '?'}`)}</text>
<rect x="${x(s.startMs)}" y="${y + 1}" width="${Math.max(1.5, x(end) - x(s.startMs))}" height="${LANE - 2}" class="${cls}"/></g>`;
  if (s.outcome === 'cancelled') out += `<text x="${x(end)}" y="${y + LANE - 1}" class="cancel">×</text>`;
  if (s.firstCorrupt) {
    const cx = x(s.firstCorrupt.atMs);
    const cy = y + LANE / 2;
    out += `<g><title>${esc(`first corrupted byte at body offset ${s.firstCorrupt.offset} (${s.corruptBytes} corrupted bytes on this stream)`)}</title><path d="M${cx} ${cy - 5} L${cx + 5} ${cy} L${cx} ${cy + 5} L${cx - 5} ${cy} Z" class="corrupt"/></g>`;
  }
  return out;
}

function goawayMark(g: GoawayRecord, x: (t: number) => number, height: number): string {
  const label = `${g.side} GOAWAY ${errorCodeName(g.code)}`;
  const tip = `${label}, last stream ${g.lastStreamId}${g.lastInboundFrame ? `; last frame received: ${g.lastInboundFrame}` : ''}`;
  const cls = g.code === 0 ? 'goaway ok' : 'goaway';
  // Labels near the right edge go to the left of the line, so they stay inside the picture.
  const at = x(g.atMs);
  const text = at > WIDTH * 0.6 ? `<text x="${at - 3}" y="11" class="gl" text-anchor="end">` : `<text x="${at + 3}" y="11" class="gl">`;
  return `<g><title>${esc(tip)}</title><line x1="${at}" y1="14" x2="${at}" y2="${height - 12}" class="${cls}"/>${text}${esc(label)}</text></g>`;
}

function ticks(t0: number, t1: number): number[] {
  const span = t1 - t0;
  const step = [100, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000].find((s) => span / s <= 10) ?? 120_000;
  const out: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1 && out.length < 20; t += step) out.push(t);
  return out;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const LEGEND = `<p class="legend"><svg width="680" height="16">
<rect x="0" y="3" width="24" height="8" class="bar video"/><text x="28" y="11">video range</text>
<rect x="110" y="3" width="24" height="8" class="bar events"/><text x="138" y="11">SSE</text>
<rect x="180" y="3" width="24" height="8" class="bar small"/><text x="208" y="11">small</text>
<text x="258" y="12" class="cancel">×</text><text x="270" y="11">our cancel</text>
<rect x="345" y="3" width="24" height="8" class="bar video failed"/><text x="373" y="11">collateral failure</text>
<rect x="480" y="3" width="24" height="8" class="bar video origin"/><text x="508" y="11">origin error</text>
<path d="M600 2 L605 7 L600 12 L595 7 Z" class="corrupt"/><text x="610" y="11">first bad byte</text></svg></p>`;

const CSS = `
body { font: 13px/1.45 system-ui, -apple-system, sans-serif; margin: 24px; color: #1d1d1f; background: #fff; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; border-top: 1px solid #ddd; padding-top: 12px; }
h3 { font-size: 13px; font-weight: 600; margin: 14px 0 2px; }
.meta { color: #666; } .facts { margin: 4px 0 8px; padding-left: 18px; }
table.summary { border-collapse: collapse; margin: 12px 0; } table.summary th, table.summary td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
table.summary td:nth-child(-n+3), table.summary th { text-align: left; } table.summary th { background: #f4f4f6; }
.v { font-weight: 700; padding: 1px 6px; border-radius: 3px; font-size: 12px; } .v.CLEAN { background: #d9f2dd; color: #0b6b1d; } .v.COLLATERAL { background: #fadcdc; color: #a0161b; }
.v.ORIGIN-ERRORS { background: #fcefd2; color: #7a4a00; } .v.ERROR { background: #eadcf5; color: #5a1a86; }
svg { display: block; background: #fcfcfd; border: 1px solid #eee; } svg text { font: 9px ui-monospace, monospace; fill: #444; }
.lbl { text-anchor: end; } .tick { text-anchor: middle; fill: #999; } .grid { stroke: #eee; }
.bar.video { fill: #6a9fd8; } .bar.events { fill: #57b36a; } .bar.small { fill: #aaa; }
.bar.cancelled { opacity: .55; } .bar.failed { fill: #e0484e; stroke: #8b0e12; stroke-width: 1; } .bar.origin { fill: #f0b429; stroke: #7a4a00; stroke-width: 1; }
.cancel { fill: #222; font-size: 11px; font-weight: 700; } .corrupt { fill: #ff9f1a; stroke: #7a4300; stroke-width: .8; }
.goaway { stroke: #c4161c; stroke-width: 1.5; stroke-dasharray: 4 2; } .goaway.ok { stroke: #999; } .gl { fill: #c4161c; font-weight: 700; }
.legend svg { border: 0; background: none; }
`;
