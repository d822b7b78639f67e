/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, no external asset).
 * Its first screen tells what went wrong: the legend, the verdict per mode and profile, then for
 * each run that is not CLEAN its first damaged connection's story (damage-story.ts), each step a
 * line of evidence, linked to that connection's timeline. Below, per run (the damaged first), the
 * timelines of the connections where something happened (report-timeline.ts).
 */
import { clientsOf, formatBytes, formatCounts, formatDrain, formatMs, formatQueueDepth, formatRate, formatShape, formatSseDelay, formatVideoGoodput, goawayTotal, storyTitle } from './format.js';
import { eventUnit, kindName, type DamageStory, type StoryStep } from './damage-story.js';
import { esc, MARKS, timeline, TIMELINE_CSS, type Mark } from './report-timeline.js';
import type { RunSummary } from './run-summary.js';
import type { ConnectionRecord, RunRecord } from './types.js';

export interface ReportRun {
  summary: RunSummary;
  record: RunRecord;
}

/** Connections drawn per run: the ones with damage first. */
const MAX_CONNECTIONS = 6;

export function renderHtmlReport(runs: readonly ReportRun[], title = 'h2race collateral-damage report'): string {
  const generated = new Date().toISOString();
  const used = new Set<Mark>();
  // Runs with something to tell come first; the timelines are drawn before the legend, which lists the marks they used.
  const order = runs.map((run, index) => ({ run, index })).sort((a, b) => rank(a.run) - rank(b.run) || a.index - b.index);
  const sections = order.map(({ run, index }) => runSection(run, index, used)).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${CSS}${TIMELINE_CSS}</style></head>
<body>
<header><h1>${esc(title)}</h1><span class="meta">generated ${esc(generated)}</span></header>
${legend(used)}
${summaryTable(runs.map((r) => r.summary))}
${explanations(clientsOf(runs.map((r) => r.summary)))}
<div class="stories">${runs.map((r, i) => story(r, i)).join('\n')}</div>
${sections}
</body></html>
`;
}

/** The words under the summary table; the events stream named as the runs' clients call it. */
function explanations(clients: NonNullable<RunSummary['clients']>): string {
  const events = kindName('events', clients);
  const unit = eventUnit(clients);
  return `<p class="meta">A <b>collateral failure</b> is a stream nobody cancelled that died with its connection or whose bytes our client refused;
an <b>origin error</b> is a stream the origin refused or failed on its own. COLLATERAL = a collateral failure or a corrupted byte;
ERROR = the run could not test; ORIGIN-ERRORS = origin errors only; CLEAN = none of these. <b>Goodput</b>: body bytes of responses that
completed or were still wanted, per second, beside the capacity of the viewers' links; <b>wasted</b>: DATA bytes the server sent for
streams we cancelled or that broke. A mode whose connections break can show more goodput than a safe one: each broken connection throws
away the frames its link still held for cancelled ranges, which a safe mode's link must deliver (and the client drop) first.
<b>${events} delay</b>: how late ${unit}s arrived, from the origin's send time (or, marked "gaps", from their spacing when the origin does not stamp them);
<b>video goodput</b>: video bytes received intact per second of the run, a cancelled range's bytes before its seek included, and in brackets
their share of the capacity the ${events} and ${kindName('small', clients)} streams left while the players wanted bytes (a player
stops reading when it holds its read-ahead target, as Chromium's does, so a fast link idles beside a full buffer); "seeks allow"
is the most of that share any proxy could reach given the run's own seeks: after each seek the new range's first byte waits one
round trip plus the profile's queue time while the cancelled range's bytes fill the link, so per viewer each seek takes that long
(or up to its next seek) off the wanting time (shown only for a preset with a queue). Each run below names the deepest queue a viewer's link held, beside the profile's queue.</p>`;
}

function rank({ summary: s }: ReportRun): number {
  return s.verdict === 'CLEAN' ? 1 : 0;
}

function summaryTable(rows: readonly RunSummary[]): string {
  const clients = clientsOf(rows);
  const events = kindName('events', clients);
  const head = ['mode', 'profile', 'verdict', 'streams', 'cancels', 'collateral', 'origin errors', 'GOAWAY client/server', 'corrupted', `${events} ${eventUnit(clients)}s / gaps / reconnects`, `${events} delay p50/p99`, 'pool races', 'goodput', 'link capacity', 'wasted', 'video (of left)'];
  const body = rows
    .map(
      (s) => `<tr><td>${esc(s.mode ?? '-')}</td><td>${esc(s.profile ?? '-')}</td><td><span class="v ${s.verdict}">${s.verdict}</span></td>
<td>${s.streams}</td><td>${s.cancels}</td><td>${s.collateral}</td><td>${s.originErrors}</td><td>${goawayTotal(s, 'client')} / ${goawayTotal(s, 'server')}</td>
<td>${esc(formatBytes(s.corruptedBytes))}</td><td>${s.sseEvents} / ${s.sseGaps} / ${s.sseReconnects}</td><td>${esc(formatSseDelay(s))}</td>
<td>${s.poolRaces ?? '-'}</td><td>${esc(formatRate(s.goodputBytesPerSec))}</td><td>${s.capacityBytesPerSec === undefined ? '-' : esc(formatRate(s.capacityBytesPerSec))}</td><td>${esc(formatBytes(s.wastedBytes))}</td>
<td>${esc(formatVideoGoodput(s))}</td></tr>`,
    )
    .join('\n');
  return `<table class="summary"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>`;
}

const STEP_NAMES: Record<StoryStep, string> = {
  cancel: 'cancel',
  race: 'pool race',
  'unparsable-frame': 'bad frame',
  corrupt: 'bad bytes',
  stall: 'stalled',
  'wrong-content': 'wrong content',
  goaway: 'GOAWAY',
  'taken-down': 'taken down',
};

/** What went wrong in a run that is not CLEAN, on the first screen. */
function story({ summary: s }: ReportRun, index: number): string {
  if (s.verdict === 'CLEAN') return '';
  const heading = `${esc(runName(s))} <span class="v ${s.verdict}">${s.verdict}</span>`;
  const first = s.damage[0];
  if (!first) {
    const why = s.error ?? (s.originErrors > 0 ? `origin errors: ${formatCounts(s.originErrorCodes)}` : 'no damaged connection recorded');
    return `<section class="story" data-run="${index}"><h2>${heading}</h2><p>${esc(why)}</p></section>`;
  }
  const lines = first.lines
    .map((l) => `<li class="step-${l.step}"><span class="at">${l.atMs === undefined ? '' : esc(formatMs(l.atMs))}</span><span class="step">${STEP_NAMES[l.step]}</span><span class="text">${esc(l.text)}</span></li>`)
    .join('\n');
  return `<section class="story" data-run="${index}"><h2>${heading} · ${esc(storyTitle(first, s.damagedConnections))} <a href="#${anchor(index, first.connection)}">timeline ↓</a></h2>
<ol>${lines}</ol></section>`;
}

function runName(s: RunSummary): string {
  return `${s.mode ?? 'run'}${s.profile ? ` · ${s.profile}` : ''}`;
}

function anchor(run: number, connection: number): string {
  return `run${run}-conn${connection}`;
}

function runSection({ summary: s, record: r }: ReportRun, index: number, used: Set<Mark>): string {
  const stories = new Map<number, DamageStory>(s.damage.map((d) => [d.connection, d]));
  // Damaged connections in the order they broke, then the rest.
  const rankOf = (c: ConnectionRecord): number => {
    const at = s.damage.findIndex((d) => d.connection === c.id);
    return at < 0 ? Number.MAX_SAFE_INTEGER : at;
  };
  const shown = [...r.connections].sort((a, b) => rankOf(a) - rankOf(b) || a.id - b.id).slice(0, MAX_CONNECTIONS);
  const drawings = shown.map((c) => {
    const why = c.endedBy ? ` — ended by ${esc(c.endedBy)}` : '';
    const lanes = r.streams.filter((x) => x.connection === c.id).length;
    return `<h3 id="${anchor(index, c.id)}">viewer ${c.viewer}, connection ${c.id}${why} <span class="meta">(${lanes} streams)</span></h3>
${timeline(c, r, stories.get(c.id), used)}`;
  });
  return `<section class="run"><h2>${esc(runName(s))} <span class="v ${s.verdict}">${s.verdict}</span></h2>
<p class="meta">target ${esc(r.target)}${r.shape === undefined ? '' : ` (shaped: ${esc(formatShape(s)!)})`} · ${r.viewers} viewers · ${(r.durationMs / 1000).toFixed(1)} s · seed ${r.seed} · ${r.connections.length} connections ·
${s.streams} streams (${(['video', 'events', 'small'] as const).map((k) => `${kindName(k, r.clients)} ${s.streamsByKind[k]}`).join(', ')}) · ${esc(formatBytes(s.bodyBytes))} received</p>
<ul class="facts">
${s.error === undefined ? '' : `<li>could not test: <b>${esc(s.error)}</b></li>`}
<li>collateral failures: <b>${s.collateral}</b> ${s.collateral ? `(${esc(formatCounts(s.collateralCodes))})` : ''}</li>
<li>origin errors: <b>${s.originErrors}</b> ${s.originErrors ? `(${esc(formatCounts(s.originErrorCodes))})` : ''}</li>
<li>GOAWAY sent by client: ${esc(formatCounts(s.goaways.client))}; by server: ${esc(formatCounts(s.goaways.server))}</li>
<li>stalled streams: <b>${s.stalledStreams}</b>; wrong content: <b>${s.wrongContentStreams}</b>${s.firstWrongContent ? ` (first: ${esc(s.firstWrongContent)})` : ''}; burst streams refused: ${s.refusedStreams}</li>
<li>corrupted bytes: <b>${s.corruptedBytes}</b>${s.verifyErrors ? ` (${s.verifyErrors} bodies could not be verified: ${esc(r.verifyErrors[0]!.message)})` : ''}; ${kindName('events', r.clients)}: ${s.sseEvents} ${eventUnit(r.clients)}s, ${s.sseGaps} missing ids, ${s.sseReconnects} reconnects, longest silence ${s.sseMaxSilenceMs} ms${s.sseSilentStreams ? `, ${s.sseSilentStreams} streams delivered no ${eventUnit(r.clients)}` : ''}</li>
<li>races counted by the pool: ${s.poolRaces ?? 'not known'}; damaged connections: ${s.damagedConnections}</li>
<li>${kindName('events', r.clients)} ${eventUnit(r.clients)} delay p50/p99: ${esc(formatSseDelay(s))}; video goodput: ${esc(formatVideoGoodput(s))}; deepest queue: ${esc(formatQueueDepth(s))}</li>${formatDrain(s) ? `
<li>late bytes: ${esc(formatDrain(s)!)}</li>` : ''}
</ul>
${drawings.join('\n')}
${r.connections.length > shown.length ? `<p class="meta">${r.connections.length - shown.length} more connections not drawn.</p>` : ''}
</section>`;
}

/** The marks the page's timelines use, each with its sample and words. */
function legend(used: ReadonlySet<Mark>): string {
  const items = MARKS.filter((m) => used.has(m.mark))
    .map((m) => `<span class="key" data-mark="${m.mark}"><svg width="28" height="16">${m.sample(2)}</svg>${esc(m.words)}</span>`)
    .join('');
  return `<div class="legend">${items}</div>`;
}

const CSS = `
body { font: 13px/1.4 system-ui, -apple-system, sans-serif; margin: 12px 20px; color: #1d1d1f; background: #fff; }
header { display: flex; align-items: baseline; gap: 12px; } h1 { font-size: 18px; margin: 0 0 6px; }
h2 { font-size: 14px; margin: 10px 0 4px; } section.run h2 { margin-top: 24px; border-top: 1px solid #ddd; padding-top: 10px; }
h3 { font-size: 12px; font-weight: 600; margin: 12px 0 2px; scroll-margin-top: 8px; }
.meta { color: #666; font-size: 12px; } .facts { margin: 4px 0 8px; padding-left: 18px; }
.legend { display: flex; flex-wrap: wrap; gap: 2px 14px; font-size: 12px; padding: 4px 0; border-bottom: 1px solid #eee; }
.legend .key { display: inline-flex; align-items: center; gap: 3px; } .legend svg { display: inline-block; }
table.summary { border-collapse: collapse; margin: 8px 0 4px; font-size: 12px; } table.summary th, table.summary td { border: 1px solid #ddd; padding: 2px 7px; text-align: right; }
table.summary td:nth-child(-n+3), table.summary th { text-align: left; } table.summary th { background: #f4f4f6; } table.summary td { white-space: nowrap; }
.v { font-weight: 700; padding: 1px 6px; border-radius: 3px; font-size: 12px; } .v.CLEAN { background: #d9f2dd; color: #0b6b1d; } .v.COLLATERAL { background: #fadcdc; color: #a0161b; }
.v.ORIGIN-ERRORS { background: #fcefd2; color: #7a4a00; } .v.ERROR { background: #eadcf5; color: #5a1a86; }
.story { border-left: 4px solid #c4161c; padding: 0 10px; margin: 8px 0; background: #fff8f8; } .story ol { list-style: none; padding: 0; margin: 2px 0 6px; }
.story li { display: grid; grid-template-columns: 64px 78px 1fr; gap: 6px; padding: 1px 0; }
.story .at { font: 12px ui-monospace, monospace; color: #555; text-align: right; } .story .step { font-weight: 700; }
.step-race .step, .step-unparsable-frame .step { color: #8e24aa; } .step-goaway .step, .step-taken-down .step, .step-stall .step, .step-wrong-content .step { color: #c4161c; }
`;
