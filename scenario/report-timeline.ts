/**
 * One connection's timeline for the HTML report: each stream a lane coloured by its outcome, and
 * the marks of what happened to the connection. Every mark carries `data-mark` with its name in
 * MARKS; the page's legend lists exactly the marks its timelines used (the set given to
 * timeline() collects them), so the legend and the picture cannot drift apart.
 */
import { errorCodeName } from '../h2/frame/constants.js';
import { groupDigits, kindName, type DamageStory } from './damage-story.js';
import type { ConnectionRecord, GoawayRecord, RunRecord, StreamRecord } from './types.js';

export type Mark =
  | 'o-completed'
  | 'o-stopped'
  | 'o-cancelled'
  | 'o-collateral'
  | 'o-origin'
  | 'm-cancel'
  | 'm-race'
  | 'm-unparsable'
  | 'm-corrupt'
  | 'm-goaway-client'
  | 'm-goaway-server'
  | 'm-goaway-graceful';

/** Every mark, in legend order, with its legend words and a sample drawn at (x, 0) in a 16 px high row. */
export const MARKS: readonly { mark: Mark; words: string; sample: (x: number) => string }[] = [
  { mark: 'o-completed', words: 'stream completed', sample: (x) => bar(x, 'o-completed') },
  { mark: 'o-stopped', words: 'stream still open when the run ended', sample: (x) => bar(x, 'o-stopped') },
  { mark: 'o-cancelled', words: 'stream we cancelled (a seek)', sample: (x) => bar(x, 'o-cancelled') },
  { mark: 'o-collateral', words: 'collateral failure: died though nobody cancelled it', sample: (x) => bar(x, 'o-collateral') },
  { mark: 'o-origin', words: 'origin error: the server refused or failed it', sample: (x) => bar(x, 'o-origin') },
  { mark: 'm-cancel', words: 'our RST_STREAM(CANCEL)', sample: (x) => cross(x + 4, 12) },
  { mark: 'm-race', words: "pool race: the cancelled stream's pending frame's buffer given to another frame", sample: (x) => triangle(x + 6, 8) },
  { mark: 'm-unparsable', words: 'first frame the client could not parse', sample: (x) => badFrame(x + 6, 4, 15) },
  { mark: 'm-corrupt', words: 'first corrupted body byte', sample: (x) => diamond(x + 6, 8) },
  { mark: 'm-goaway-client', words: 'GOAWAY from the client (it refused a frame)', sample: (x) => vline(x + 6, 'm-goaway-client') },
  { mark: 'm-goaway-server', words: 'GOAWAY with an error from the server', sample: (x) => vline(x + 6, 'm-goaway-server') },
  { mark: 'm-goaway-graceful', words: 'graceful GOAWAY (NO_ERROR)', sample: (x) => vline(x + 6, 'm-goaway-graceful') },
];

/** Lanes per connection: the latest streams, where a failure ends it. */
const MAX_LANES = 60;
const TIMELINE_WIDTH = 1100;
const LANE = 9;
const LEFT = 110;

/** `used` collects the marks drawn. `story`: this connection's damage story, whose race and bad frame are drawn too. */
export function timeline(conn: ConnectionRecord, run: RunRecord, story: DamageStory | undefined, used: Set<Mark>): string {
  const all = run.streams.filter((s) => s.connection === conn.id);
  const streams = all.slice(-MAX_LANES);
  const goaways = run.goaways.filter((g) => g.connection === conn.id);
  const runEnd = run.durationMs;
  const t0 = conn.openedMs;
  const t1 = Math.max(t0 + 1, conn.closedMs ?? runEnd, ...streams.map((s) => s.endMs ?? runEnd));
  const x = (t: number): number => LEFT + ((t - t0) / (t1 - t0)) * (TIMELINE_WIDTH - LEFT - 10);
  const height = 24 + streams.length * LANE + 16;
  const laneY = new Map(streams.map((s, i) => [s.streamId, 20 + i * LANE]));
  const mark = (m: Mark, svg: string): string => {
    used.add(m);
    return `<g data-mark="${m}">${svg}</g>`;
  };
  const lanes = streams.map((s, i) => lane(s, run.clients, 20 + i * LANE, x, runEnd, mark)).join('');
  const marks = goaways.map((g) => goawayMark(g, x, height, mark)).join('');
  let evidence = '';
  const race = story?.race;
  const raceY = race && laneY.get(race.pending.streamId);
  if (race && raceY !== undefined) {
    evidence += mark('m-race', `<title>${esc(`${(race.atMs / 1000).toFixed(3)} s: pool race, stream ${race.pending.streamId}'s pending ${race.pending.frameType} frame's buffer given to stream ${race.reusedFor.streamId}'s ${race.reusedFor.frameType} frame`)}</title>${triangle(x(race.atMs), raceY + LANE / 2)}`);
  }
  const bad = story?.unparsableFrame;
  if (bad) {
    const tip = `${(bad.atMs / 1000).toFixed(3)} s: first frame the client could not parse: ${bad.type} length ${groupDigits(bad.length)} stream ${bad.streamId}: ${bad.problem}`;
    evidence += mark('m-unparsable', `<title>${esc(tip)}</title>${badFrame(x(bad.atMs), 17, height - 12)}`);
  }
  const axis = ticks(t0, t1)
    .map((t) => `<line x1="${x(t)}" y1="14" x2="${x(t)}" y2="${height - 12}" class="grid"/><text x="${x(t)}" y="${height - 2}" class="tick">${(t / 1000).toFixed(1)}s</text>`)
    .join('');
  return `<svg width="${TIMELINE_WIDTH}" height="${height}" viewBox="0 0 ${TIMELINE_WIDTH} ${height}" role="img" class="timeline">${axis}${lanes}${marks}${evidence}</svg>`;
}

type MarkFn = (m: Mark, svg: string) => string;

function outcomeMark(s: StreamRecord): Mark {
  if (s.outcome === 'completed') return 'o-completed';
  if (s.outcome === 'cancelled') return 'o-cancelled';
  if (s.outcome === 'failed') return s.fault === 'origin' ? 'o-origin' : 'o-collateral';
  return 'o-stopped';
}

function lane(s: StreamRecord, clients: RunRecord['clients'], y: number, x: (t: number) => number, runEnd: number, mark: MarkFn): string {
  const end = s.endMs ?? runEnd;
  const name = `${kindName(s.kind, clients)} ${s.streamId ?? '?'}`;
  const label = `${name} ${s.path}${s.rangeStart !== undefined ? ` bytes=${s.rangeStart}-` : ''}`;
  const tip = `${label}\n${s.outcome ?? 'open'}${s.error ? `: ${s.error}` : ''}, ${s.bytes} bytes, ${(s.startMs / 1000).toFixed(3)}–${(end / 1000).toFixed(3)} s${s.corruptBytes ? `, ${s.corruptBytes} corrupted bytes` : ''}`;
  const outcome = outcomeMark(s);
  let out = `<g><title>${esc(tip)}</title><text x="${LEFT - 4}" y="${y + LANE - 2}" class="lbl${s.kind === 'events' ? ' sse' : ''}">${esc(name)}</text>${mark(
    outcome,
    `<rect x="${x(s.startMs)}" y="${y + 1}" width="${Math.max(1.5, x(end) - x(s.startMs))}" height="${LANE - 2}" class="bar ${outcome}"/>`,
  )}</g>`;
  if (s.outcome === 'cancelled') out += mark('m-cancel', cross(x(end), y + LANE - 1));
  if (s.firstCorrupt) {
    const tipCorrupt = `first corrupted byte at body offset ${s.firstCorrupt.offset} (${s.corruptBytes} corrupted bytes on this stream)`;
    out += mark('m-corrupt', `<title>${esc(tipCorrupt)}</title>${diamond(x(s.firstCorrupt.atMs), y + LANE / 2)}`);
  }
  return out;
}

function goawayMark(g: GoawayRecord, x: (t: number) => number, height: number, mark: MarkFn): string {
  const label = `${g.side} GOAWAY ${errorCodeName(g.code)}`;
  const tip = `${(g.atMs / 1000).toFixed(3)} s: ${label}, last stream ${g.lastStreamId}${g.lastInboundFrame ? `; last frame header received: ${g.lastInboundFrame}` : ''}`;
  const m: Mark = g.code === 0 ? 'm-goaway-graceful' : g.side === 'client' ? 'm-goaway-client' : 'm-goaway-server';
  // Labels near the right edge go to the left of the line, so they stay inside the picture.
  const at = x(g.atMs);
  const text = at > TIMELINE_WIDTH * 0.6 ? `<text x="${at - 3}" y="11" class="gl" text-anchor="end">` : `<text x="${at + 3}" y="11" class="gl">`;
  return mark(m, `<title>${esc(tip)}</title><line x1="${at}" y1="14" x2="${at}" y2="${height - 12}" class="${m}"/>${text}${esc(label)}</text>`);
}

function bar(x: number, cls: Mark): string {
  return `<rect x="${x}" y="4" width="22" height="8" class="bar ${cls}"/>`;
}

function cross(x: number, y: number): string {
  return `<text x="${x}" y="${y}" class="m-cancel" text-anchor="middle">×</text>`;
}

function triangle(x: number, y: number): string {
  return `<path d="M${x} ${y - 6} L${x + 5} ${y + 4} L${x - 5} ${y + 4} Z" class="m-race"/>`;
}

/** A line with a dot on top: drawn over the GOAWAY that usually follows it within a millisecond. */
function badFrame(x: number, top: number, bottom: number): string {
  return `<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" class="m-unparsable"/><circle cx="${x}" cy="${top}" r="3.5" class="m-unparsable"/>`;
}

function diamond(x: number, y: number): string {
  return `<path d="M${x} ${y - 5} L${x + 5} ${y} L${x} ${y + 5} L${x - 5} ${y} Z" class="m-corrupt"/>`;
}

function vline(x: number, cls: Mark): string {
  return `<line x1="${x}" y1="1" x2="${x}" y2="15" class="${cls}"/>`;
}

function ticks(t0: number, t1: number): number[] {
  const span = t1 - t0;
  const step = [100, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000].find((s) => span / s <= 10) ?? 120_000;
  const out: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1 && out.length < 20; t += step) out.push(t);
  return out;
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The marks' colours: one per outcome, one per kind of event. */
export const TIMELINE_CSS = `
svg.timeline { display: block; background: #fcfcfd; border: 1px solid #eee; } svg text { font: 9px ui-monospace, monospace; fill: #444; }
.lbl { text-anchor: end; } .lbl.sse { font-weight: 700; fill: #111; } .tick { text-anchor: middle; fill: #999; } .grid { stroke: #eee; }
.bar.o-completed { fill: #8fbf8f; } .bar.o-stopped { fill: #3a5ba0; } .bar.o-cancelled { fill: #c9c9c9; }
.bar.o-collateral { fill: #e0484e; stroke: #8b0e12; stroke-width: 1; } .bar.o-origin { fill: #f0b429; stroke: #7a4a00; stroke-width: 1; }
.m-cancel { fill: #222; font-size: 11px; font-weight: 700; } .m-corrupt { fill: #ff9f1a; stroke: #7a4300; stroke-width: .8; }
.m-race { fill: #8e24aa; stroke: #4a0f5a; stroke-width: .8; } .m-unparsable { stroke: #8e24aa; stroke-width: 2; fill: #8e24aa; }
.m-goaway-client { stroke: #c4161c; stroke-width: 1.5; stroke-dasharray: 4 2; } .m-goaway-server { stroke: #e07b00; stroke-width: 1.5; stroke-dasharray: 4 2; }
.m-goaway-graceful { stroke: #999; stroke-width: 1.5; stroke-dasharray: 4 2; } .gl { fill: #c4161c; font-weight: 700; }
`;
