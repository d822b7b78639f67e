/**
 * What happened to one damaged connection, in the order it happened, one piece of evidence per
 * step: our cancel, what the proxy's pool did with that stream's pending frame (the race), the
 * frame our client could not parse that its GOAWAY's code names (declared header vs what the bytes
 * were; unparsable-frame.ts says which kind of bad header each code answers), the client's
 * GOAWAY, and the streams nobody cancelled that died with it — or, where nothing died, the streams
 * that stalled (no byte while the connection answered PING: a leaked window) or came back wrong (a
 * desynchronised HPACK table). The HTML report, the terminal table and --json all tell it from here.
 *
 * The pool numbers connections its own way: a race belongs to this connection when its pending
 * frame's stream is one we had cancelled here by then, before the connection broke (the proxy
 * connection with the most such races wins).
 */
import { DEFAULT_MAX_FRAME_SIZE, ErrorCode, errorCodeName, frameTypeName, FRAME_HEADER_LENGTH, FrameType } from '../h2/frame/constants.js';
import type {
  ConnectionRecord,
  GoawayRecord,
  PoolRaceRecord,
  PooledFrame,
  RunRecord,
  StreamKind,
  StreamRecord,
  UnparsableFrameRecord,
} from './types.js';
import type { FrameProblemKind } from './unparsable-frame.js';
import { WRONG_CONTENT_REASON } from './fault.js';

export interface StoryStream {
  streamId?: number;
  kind: StreamKind;
  path: string;
  rangeStart?: number;
}

export interface DamageStory {
  connection: number;
  viewer: number;
  /** When the damage showed: the client's GOAWAY, else the first corrupted byte, else the first collateral failure. */
  atMs: number;
  /** Our cancel whose stream's pending frame the pool gave away (or the last cancel before the damage). */
  cancel?: StoryStream & { atMs: number };
  race?: StoryRace;
  /** The header the client could not take whose kind its GOAWAY's code answers: the culprit. */
  unparsableFrame?: StoryFrame;
  /** Headers the client could not take that its GOAWAY's code does not answer (a DATA before HEADERS it may have ignored). */
  otherBadFrames: StoryOtherFrame[];
  /** When no header the GOAWAY's code answers went by: the last one before the GOAWAY. */
  lastFrameBeforeGoaway?: string;
  goaway?: { atMs: number; code: number; codeName: string; lastStreamId: number };
  /** Corrupted body bytes that reached a stream (the framing survived). */
  firstCorrupt?: StoryStream & { atMs: number; offset: number; corruptBytes: number };
  /** The first stream nobody cancelled that stalled (its silence ended by the run or the stream's close), and how many did. */
  firstStall?: StoryStream & { sinceMs: number; silentMs: number; pingMs: number };
  stalledTotal: number;
  /** The first stream nobody cancelled whose content came back wrong, what was wrong, and how many did. */
  firstWrong?: StoryStream & { atMs: number; what: string };
  wrongTotal: number;
  /** Streams nobody cancelled that died with this connection, SSE first (at most TAKEN_DOWN_LISTED). */
  takenDown: (StoryStream & { reason: string })[];
  takenDownTotal: number;
  /** Each step as one sentence, in order: what the report prints. */
  lines: StoryLine[];
}

export interface StoryRace {
  atMs: number;
  pending: StoryFrameRef;
  reusedFor: StoryFrameRef & { sameConnection: boolean };
  /** What the pending write then put on the wire. */
  onWire: string;
}

export interface StoryFrameRef {
  streamId: number;
  frameType: string;
  /** Header and payload bytes. */
  length: number;
}

export interface StoryFrame {
  atMs: number;
  type: string;
  length: number;
  streamId: number;
  flags: number;
  bytesHex: string;
  problem: string;
  /** What the bytes were, as far as the race tells. */
  whatItWas: string;
}

/** Another bad header the relay saw on the connection, its type named. */
export type StoryOtherFrame = Omit<UnparsableFrameRecord, 'type' | 'flags'> & { type: string };

export type StoryStep = 'cancel' | 'race' | 'unparsable-frame' | 'corrupt' | 'stall' | 'wrong-content' | 'goaway' | 'taken-down';
export interface StoryLine {
  step: StoryStep;
  atMs?: number;
  text: string;
}

const TAKEN_DOWN_LISTED = 8;
/** How much later than our cancel's close event a race may be timed and still follow from it (same clock, one process). */
const CANCEL_SLACK_MS = 5;
/**
 * The kinds of bad header (unparsable-frame.ts) nghttp2 answers with each GOAWAY code, the surer
 * culprit first: a stream-state one is a connection error only if the client had not reset the
 * stream.
 */
const KINDS_FOR_CODE: ReadonlyMap<number, readonly FrameProblemKind[]> = new Map([
  [ErrorCode.FRAME_SIZE_ERROR, ['framing']],
  [ErrorCode.PROTOCOL_ERROR, ['protocol', 'stream-state']],
]);
/** Without a client GOAWAY, only a header the client refuses whatever the stream's state can be named. */
const KINDS_WITHOUT_GOAWAY: readonly FrameProblemKind[] = ['framing', 'protocol'];
/** What the client does with each kind of header, for a header the story does not name as the culprit. */
const KIND_EFFECT: Record<FrameProblemKind, string> = {
  framing: 'the client answers that with GOAWAY FRAME_SIZE_ERROR',
  protocol: 'the client answers that with GOAWAY PROTOCOL_ERROR',
  'stream-state': 'the client ignores that on a stream it had already reset, its RST_STREAM maybe still on the way, and answers GOAWAY PROTOCOL_ERROR otherwise',
};

/** The damaged connections of a run, the first damaged first. */
export function damageStories(run: RunRecord): DamageStory[] {
  // Grouped once: a run has thousands of streams over hundreds of connections.
  const streamsOf = new Map<number, StreamRecord[]>();
  for (const s of run.streams) {
    const list = streamsOf.get(s.connection);
    if (list) list.push(s);
    else streamsOf.set(s.connection, [s]);
  }
  const errorGoawayOf = new Map<number, GoawayRecord>();
  for (const g of run.goaways) if (g.side === 'client' && g.code !== 0 && !errorGoawayOf.has(g.connection)) errorGoawayOf.set(g.connection, g);
  const stories: DamageStory[] = [];
  for (const conn of run.connections) {
    const story = storyOf(conn, streamsOf.get(conn.id) ?? [], errorGoawayOf.get(conn.id), run);
    if (story) stories.push(story);
  }
  return stories.sort((a, b) => a.atMs - b.atMs || a.connection - b.connection);
}

/** `streams`: the connection's; `goaway`: its client's first GOAWAY with an error. */
function storyOf(conn: ConnectionRecord, streams: readonly StreamRecord[], goaway: GoawayRecord | undefined, run: RunRecord): DamageStory | undefined {
  const collateral = streams.filter((s) => s.outcome === 'failed' && s.fault === 'collateral');
  const corrupt = streams.filter((s) => s.firstCorrupt).sort((a, b) => a.firstCorrupt!.atMs - b.firstCorrupt!.atMs)[0];
  // Counted as summary.ts counts them: a stream that failed is told as taken down, not here.
  const stalled = streams.filter((s) => s.stall && s.outcome !== 'cancelled' && s.outcome !== 'failed').sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || a.stall!.sinceMs - b.stall!.sinceMs);
  const wrong = streams.filter((s) => wrongContentOf(s) !== undefined).sort((a, b) => wrongAt(a) - wrongAt(b));
  if (!goaway && !corrupt && collateral.length === 0 && stalled.length === 0 && wrong.length === 0) return undefined;
  const firstStall = stalled[0];
  const atMs =
    goaway?.atMs ??
    corrupt?.firstCorrupt!.atMs ??
    (collateral.length > 0 ? Math.min(...collateral.map((s) => s.endMs ?? run.durationMs)) : Math.min(...[...stalled.map((s) => s.stall!.sinceMs), ...wrong.map(wrongAt)]));
  const cancels = streams.filter((s) => s.cancelledByUs && s.streamId !== undefined && s.endMs !== undefined && s.endMs <= atMs);
  const badFrames = conn.unparsableFrames ?? [];
  const culprit = culpritOf(badFrames, goaway);
  const race = raceFor(cancels, run.races ?? [], conn, culprit, atMs);
  const cancelled = race ? cancels.find((s) => s.streamId === race.pending.streamId) : cancels.at(-1);
  const takenDown = [...collateral].sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || (a.streamId ?? 0) - (b.streamId ?? 0));
  const story: DamageStory = {
    connection: conn.id,
    viewer: conn.viewer,
    atMs,
    cancel: cancelled && { ...streamRef(cancelled), atMs: cancelled.endMs! },
    race: race && storyRace(race),
    unparsableFrame: culprit && storyFrame(culprit, race),
    otherBadFrames: badFrames.filter((f) => f !== culprit).map(otherFrame),
    lastFrameBeforeGoaway: culprit ? undefined : goaway?.lastInboundFrame,
    goaway: goaway && goawayRef(goaway),
    firstCorrupt: corrupt && { ...streamRef(corrupt), ...corrupt.firstCorrupt!, corruptBytes: corrupt.corruptBytes },
    firstStall: firstStall && {
      ...streamRef(firstStall),
      sinceMs: firstStall.stall!.sinceMs,
      silentMs: (firstStall.endMs ?? run.durationMs) - firstStall.stall!.sinceMs,
      pingMs: firstStall.stall!.pingMs,
    },
    stalledTotal: stalled.length,
    firstWrong: wrong[0] && { ...streamRef(wrong[0]), atMs: wrongAt(wrong[0]), what: wrongContentOf(wrong[0])! },
    wrongTotal: wrong.length,
    takenDown: takenDown.slice(0, TAKEN_DOWN_LISTED).map((s) => ({ ...streamRef(s), reason: s.error ?? 'failed' })),
    takenDownTotal: takenDown.length,
    lines: [],
  };
  story.lines = storyLines(story, run.clients);
  return story;
}

/**
 * Of the bad headers a connection saw (the first of each kind), the one the client's GOAWAY
 * answered: a FRAME_SIZE_ERROR is a framing one even when a DATA before HEADERS came first.
 */
function culpritOf(frames: readonly UnparsableFrameRecord[], goaway: GoawayRecord | undefined): UnparsableFrameRecord | undefined {
  const kinds = goaway ? (KINDS_FOR_CODE.get(goaway.code) ?? []) : KINDS_WITHOUT_GOAWAY;
  for (const kind of kinds) {
    const frame = frames.find((f) => f.kind === kind && f.excusedAtMs === undefined);
    if (frame) return frame;
  }
  return undefined;
}

/** The race that broke `conn`: the first on the proxy connection whose races follow our cancels here (`bad`: the culprit header). */
function raceFor(
  cancels: readonly StreamRecord[],
  races: readonly PoolRaceRecord[],
  conn: ConnectionRecord,
  bad: UnparsableFrameRecord | undefined,
  untilMs: number,
): PoolRaceRecord | undefined {
  const cancelAt = new Map(cancels.map((s) => [s.streamId!, s.endMs!]));
  const follows = (r: PoolRaceRecord): boolean => {
    const at = cancelAt.get(r.pending.streamId);
    return at !== undefined && at <= r.atMs + CANCEL_SLACK_MS && r.atMs <= untilMs && r.atMs >= conn.openedMs;
  };
  const byProxyConnection = new Map<number, PoolRaceRecord[]>();
  for (const r of races) {
    if (!follows(r)) continue;
    const list = byProxyConnection.get(r.pending.connection) ?? [];
    list.push(r);
    byProxyConnection.set(r.pending.connection, list);
  }
  let best: PoolRaceRecord[] | undefined;
  for (const list of byProxyConnection.values()) if (!best || list.length > best.length) best = list;
  if (!best) return undefined;
  // Frames go out in order: the first race whose shape fits what the client saw is the one it saw.
  return best.find((r) => explains(r, bad)) ?? best[0];
}

/**
 * Whether a race's shape fits the header the client could not parse: a well-formed header for a
 * stream it never opened is the taker's own frame; an impossible one is stale bytes after a
 * shorter taker. No such header: the framing held, so a taker of the same length (wrong frame,
 * valid framing) fits.
 */
function explains(race: PoolRaceRecord, bad: UnparsableFrameRecord | undefined): boolean {
  const { pending: x, reusedFor: y } = race;
  if (!bad) return y.length === x.length;
  if (wellFormed(bad)) return y.streamId === bad.streamId && y.frameType === bad.type;
  return y.length < x.length;
}

function wellFormed(f: UnparsableFrameRecord): boolean {
  return (f.type === FrameType.DATA || f.type === FrameType.HEADERS) && f.length <= DEFAULT_MAX_FRAME_SIZE;
}

function storyRace(r: PoolRaceRecord): StoryRace {
  const { pending: x, reusedFor: y } = r;
  const sameConnection = x.connection === y.connection;
  // The pool is shared by every connection: a taker on another one may carry the same stream id.
  const taker = `${sameConnection ? '' : "another connection's "}stream ${y.streamId}'s`;
  const onWire =
    y.length < x.length
      ? `${taker} ${frameTypeName(y.frameType)} frame (${y.length} B), then the ${x.length - y.length} bytes left over from stream ${x.streamId}'s frame, which the client reads as the next frame header`
      : y.length > x.length
        ? `the first ${x.length} bytes of ${taker} ${y.length}-byte frame: the client reads the following frames' bytes as the rest of it`
        : `${taker} ${frameTypeName(y.frameType)} frame in place of stream ${x.streamId}'s: valid framing, wrong bytes`;
  return {
    atMs: r.atMs,
    pending: frameRef(x),
    reusedFor: { ...frameRef(y), sameConnection },
    onWire,
  };
}

function storyFrame(f: UnparsableFrameRecord, race: PoolRaceRecord | undefined): StoryFrame {
  return {
    atMs: f.atMs,
    type: frameTypeName(f.type),
    length: f.length,
    streamId: f.streamId,
    flags: f.flags,
    bytesHex: f.bytesHex,
    problem: f.problem,
    whatItWas: whatItWas(f, race),
  };
}

function otherFrame(f: UnparsableFrameRecord): StoryOtherFrame {
  const excused = f.excusedAtMs === undefined ? {} : { excusedAtMs: f.excusedAtMs };
  return { atMs: f.atMs, type: frameTypeName(f.type), length: f.length, streamId: f.streamId, bytesHex: f.bytesHex, kind: f.kind, problem: f.problem, ...excused };
}

/**
 * What the 9 bytes the client took for a header were, as far as the header and the race tell. A
 * header that is well formed but wrong for its stream here (never opened, not answered yet) is
 * another connection's frame (the pool's buffers are shared by all connections); one that declares an
 * impossible length or an unknown type is not a header at all.
 */
function whatItWas(f: UnparsableFrameRecord, race: PoolRaceRecord | undefined): string {
  if (wellFormed(f)) {
    if (!race || !explains(race, f)) {
      return `a well-formed ${frameTypeName(f.type)} frame header this connection could not take: most likely another stream's or connection's frame, written from a buffer the pool shared`;
    }
    const { pending: x, reusedFor: y } = race;
    const whose = y.connection === x.connection ? `stream ${y.streamId}'s own` : `another connection's stream ${y.streamId}'s`;
    return `${whose} ${frameTypeName(y.frameType)} frame, sent by stream ${x.streamId}'s pending write out of the buffer the pool had given to both`;
  }
  if (!race) return 'not a header the server meant to send: stale or misplaced bytes';
  const { pending: x, reusedFor: y } = race;
  if (y.length < x.length) {
    const what = x.frameType === FrameType.DATA ? `DATA payload of stream ${x.streamId}` : `${frameTypeName(x.frameType)} frame of stream ${x.streamId}`;
    const offset = y.length - (x.frameType === FrameType.DATA ? FRAME_HEADER_LENGTH : 0);
    return `most likely stale bytes of the ${what} (from its byte ${offset}), sent after stream ${y.streamId}'s frame out of the reused buffer`;
  }
  if (y.length > x.length) return `bytes from the middle of a later frame: stream ${y.streamId}'s frame was cut at ${x.length} of its ${y.length} bytes`;
  return `stream ${y.streamId}'s ${frameTypeName(y.frameType)} frame, sent a second time in stream ${x.streamId}'s place`;
}

function storyLines(s: DamageStory, clients: RunRecord['clients']): StoryLine[] {
  const streamName = (x: StoryStream) => nameOf(x, clients);
  const lines: StoryLine[] = [];
  if (s.cancel) lines.push({ step: 'cancel', atMs: s.cancel.atMs, text: `we cancelled ${streamName(s.cancel)} (RST_STREAM CANCEL)` });
  if (s.race) {
    const r = s.race;
    const taker = `${r.reusedFor.sameConnection ? '' : "another connection's "}stream ${r.reusedFor.streamId}'s`;
    lines.push({
      step: 'race',
      atMs: r.atMs,
      text: `the proxy's pool handed the buffer of stream ${r.pending.streamId}'s pending ${r.pending.frameType} frame (${r.pending.length} B, not yet written) to ${taker} ${r.reusedFor.frameType} frame (${r.reusedFor.length} B); the pending write then carried ${r.onWire}`,
    });
  }
  const others = s.otherBadFrames.map(otherFrameText).join('; ');
  if (s.unparsableFrame) {
    const f = s.unparsableFrame;
    lines.push({
      step: 'unparsable-frame',
      atMs: f.atMs,
      text: `the client received a frame header declaring type ${f.type}, length ${groupDigits(f.length)}, stream ${groupDigits(f.streamId)} (bytes ${spaced(f.bytesHex)}): ${f.problem}. What they were: ${f.whatItWas}${others && `. The relay also passed ${others}`}`,
    });
  }
  if (s.lastFrameBeforeGoaway !== undefined && others) {
    lines.push({
      step: 'unparsable-frame',
      text: `no frame header the relay passed explains the client's GOAWAY ${s.goaway!.codeName}: it saw only ${others} (the last header before the GOAWAY: ${s.lastFrameBeforeGoaway}); the bad bytes that broke the connection were inside a frame or made a frame the stream's state forbids`,
    });
  } else if (s.lastFrameBeforeGoaway !== undefined) {
    lines.push({
      step: 'unparsable-frame',
      text: `no frame header the relay passed broke a rule it checks (the last before the GOAWAY: ${s.lastFrameBeforeGoaway}): the bad bytes were inside a frame (a header block, padding) or made a frame the stream's state forbids`,
    });
  }
  if (s.firstCorrupt) {
    const c = s.firstCorrupt;
    lines.push({ step: 'corrupt', atMs: c.atMs, text: `${streamName(c)} received a wrong byte at body offset ${c.offset} (${c.corruptBytes} wrong bytes on that stream)` });
  }
  if (s.firstStall) {
    const st = s.firstStall;
    const more = s.stalledTotal > 1 ? `; ${s.stalledTotal - 1} more stream${s.stalledTotal > 2 ? 's' : ''} on it stalled too` : '';
    lines.push({
      step: 'stall',
      atMs: st.sinceMs,
      text: `${streamName(st)} got no byte for ${seconds(st.silentMs)} while its connection answered PING in ${Math.round(st.pingMs)} ms${more}`,
    });
  }
  if (s.firstWrong) {
    const w = s.firstWrong;
    const more = s.wrongTotal > 1 ? `; ${s.wrongTotal - 1} more stream${s.wrongTotal > 2 ? 's' : ''} on it came back wrong` : '';
    lines.push({ step: 'wrong-content', atMs: w.atMs, text: `${streamName(w)} came back wrong: ${w.what}${more}` });
  }
  if (s.goaway) {
    lines.push({ step: 'goaway', atMs: s.goaway.atMs, text: `the client answered GOAWAY ${s.goaway.codeName} (last stream ${s.goaway.lastStreamId}) and closed the connection` });
  }
  if (s.takenDownTotal > 0) {
    const more = s.takenDownTotal > s.takenDown.length ? ` and ${s.takenDownTotal - s.takenDown.length} more` : '';
    lines.push({ step: 'taken-down', text: `streams nobody cancelled died with it: ${s.takenDown.map(streamName).join(', ')}${more}` });
  }
  return lines;
}

/** "a header declaring type DATA, length 1 000, stream 5 (bytes …): DATA on stream 5 before its response HEADERS (the client ignores …)". */
function otherFrameText(f: StoryOtherFrame): string {
  const effect = f.excusedAtMs === undefined ? KIND_EFFECT[f.kind] : `the client ignored it: it had already reset stream ${f.streamId}, and its RST_STREAM passed the relay after the DATA`;
  return `a header declaring type ${f.type}, length ${groupDigits(f.length)}, stream ${groupDigits(f.streamId)} (bytes ${spaced(f.bytesHex)}): ${f.problem} (${effect})`;
}

function streamRef(s: StreamRecord): StoryStream {
  return { streamId: s.streamId, kind: s.kind, path: s.path, ...(s.rangeStart === undefined ? {} : { rangeStart: s.rangeStart }) };
}

function frameRef(f: PooledFrame): StoryFrameRef {
  return { streamId: f.streamId, frameType: frameTypeName(f.frameType), length: f.length };
}

function goawayRef(g: GoawayRecord): DamageStory['goaway'] {
  return { atMs: g.atMs, code: g.code, codeName: errorCodeName(g.code), lastStreamId: g.lastStreamId };
}

/** The catalogue's kinds (uploads, bursts, header sets) are browser traffic only; gRPC runs name its three calls. */
const CATALOGUE_KINDS = { upload: 'upload', burst: 'burst', headers: 'header-set' } as const;
const KIND_NAMES: Record<NonNullable<RunRecord['clients']>, Record<StreamKind, string>> = {
  browser: { events: 'SSE', video: 'video', small: 'small', ...CATALOGUE_KINDS },
  grpc: { events: 'Watch', video: 'Fetch', small: 'Ping', ...CATALOGUE_KINDS },
};

/** What a stream of `kind` is called in a run of `clients`: 'SSE', 'Fetch' (a gRPC method). */
export function kindName(kind: StreamKind, clients: RunRecord['clients']): string {
  return KIND_NAMES[clients ?? 'browser'][kind];
}

/** What the events stream delivers one at a time in a run of `clients`: an SSE 'event', a Watch 'message'. */
export function eventUnit(clients: RunRecord['clients']): string {
  return clients === 'grpc' ? 'message' : 'event';
}

/** "SSE stream 1 (/events)", "video stream 7 (/video bytes=1048576-)", "Watch call on stream 1 (/h2race.Demo/Watch)". */
function nameOf(s: StoryStream, clients: RunRecord['clients']): string {
  const range = s.rangeStart === undefined ? '' : ` bytes=${s.rangeStart}-`;
  return `${kindName(s.kind, clients)} ${clients === 'grpc' ? 'call on stream' : 'stream'} ${s.streamId ?? '?'} (${s.path}${range})`;
}

/**
 * What came back wrong on `s`, as summary.ts counts it: what differed from what was sent, or the
 * server's reset of a request it misread (fault.ts; such a stream is also taken down).
 */
function wrongContentOf(s: StreamRecord): string | undefined {
  if (s.wrongContent !== undefined) return s.wrongContent;
  return s.outcome === 'failed' && s.error?.startsWith(`${WRONG_CONTENT_REASON}: `) ? s.error.slice(WRONG_CONTENT_REASON.length + 2) : undefined;
}

/** When a wrong answer showed: the stream's end, else its start. */
function wrongAt(s: StreamRecord): number {
  return s.endMs ?? s.startMs;
}

/** 5012 → "5.0 s". */
function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function kindRank(kind: StreamKind): number {
  return kind === 'events' ? 0 : kind === 'video' ? 1 : 2;
}

/** 8331436 → "8 331 436". */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

function spaced(hex: string): string {
  return hex.replace(/(..)(?!$)/g, '$1 ');
}
