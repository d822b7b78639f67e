/**
 * One simulated viewer: a browser tab with one HTTP/2 connection carrying a video that seeks, an
 * SSE stream, and small requests beside them. Seek times and positions and the small requests'
 * times come from the viewer's own SeededRandom stream, so a seed replays the same traffic.
 * When the connection dies the viewer opens a new one and resumes (video at its position, SSE
 * after its last event id), as a browser would.
 *
 * Lifecycle: the run owns its viewers; a viewer owns its link (reconnecting-link.ts: the
 * connection, one at a time, and the timers), its player (and the player's resume timer) and its
 * SSE client, and stop() is where all of them end. Phases: running (seeks and
 * small requests), draining (drain(): none any more, what is open goes on), stopped.
 */
import type { SeededRandom } from '../faults/random.js';
import { BodyChecker } from './body-checker.js';
import { SseClient } from './sse-client.js';
import { requestHeaderEcho } from './header-echo.js';
import type { TrafficKind } from './traffic-kinds.js';
import { upload } from './uploader.js';
import type { ContentVerifier } from './verifier.js';
import { VideoPlayer } from './video-player.js';
import type { RepeatingTimers } from './repeating-timers.js';
import { ReconnectingLink, type ConnectionSettings } from './reconnecting-link.js';
import type { ViewerConnection } from './viewer-connection.js';

export interface ScenarioPaths {
  video: string;
  events: string;
  small: string;
  /** cancelled-uploads: a slow consumer that echoes the body. */
  upload: string;
  /** trailers: an echo of body and trailers. */
  echo: string;
  /** bursts, header-sets: the request's headers back as JSON. */
  headers: string;
}

export interface ViewerSettings extends ConnectionSettings {
  paths: ScenarioPaths;
  /** Mean seeks per second (exponential gaps); 0 = never seek. */
  seeksPerSecond: number;
  /** Mean small requests per second; 0 = none. */
  smallPerSecond: number;
  /** The video's bitrate (video-player.ts). */
  videoBitsPerSecond: number;
  /** The kinds of traffic sent (traffic-kinds.ts). */
  traffic: ReadonlySet<TrafficKind>;
  verifier: ContentVerifier;
  pending: Set<Promise<void>>;
}

/** Before the first response tells the video's size, seeks stay within this many bytes. */
const SIZE_BEFORE_FIRST_RESPONSE = 1024 * 1024;
/** A burst: beyond the SETTINGS_MAX_CONCURRENT_STREAMS of common servers (nghttp2 and h2race 100-128). */
const BURST_STREAMS = 160;
/**
 * Uploads go one at a time, each larger than what the slow consumer's side takes in at once, so
 * that the server in front of it holds what the client sent: a cancel then leaves it with bytes
 * it must credit back. The next upload is the bystander.
 */
const UPLOAD_GAP_MS = { min: 100, max: 600 };
const UPLOAD_BYTES = { min: 192 * 1024, max: 320 * 1024 };
const UPLOAD_CANCEL_SHARE = 0.6;
/** An upload is reset this long after it started (when it is one of the cancelled ones). */
const UPLOAD_CANCEL_MS = { min: 2500, max: 4000 };
const TRAILER_UPLOADS_PER_SECOND = 1;
const HEADER_SETS_PER_SECOND = 2;
/** Header sets that repeat (sent as dynamic-table indices once seen) beside a new value each time. */
const HEADER_SETS: readonly Record<string, string>[] = [
  { 'x-client': 'h2race-scenario', 'x-feature': 'catalogue' },
  { 'x-client': 'h2race-scenario', 'x-locale': 'en-GB', 'x-theme': 'dark' },
  { 'x-tenant': 'acme', 'x-feature': 'search' },
  { 'x-tenant': 'globex', 'x-locale': 'fr-FR' },
];

export class Viewer {
  private readonly link: ReconnectingLink;
  private readonly player: VideoPlayer;
  private readonly sse: SseClient;
  private smallInFlight = false;
  /** Requests of this viewer that carried a new header value (bursts, header sets): the values' sequence. */
  private sent = 0;
  /** Burst streams of the current connection still open: the viewer's other requests wait for them. */
  private burstOpen = 0;

  constructor(
    private readonly index: number,
    private readonly settings: ViewerSettings,
    private readonly random: SeededRandom,
  ) {
    this.player = new VideoPlayer({
      recorder: settings.recorder,
      verifier: settings.verifier,
      pending: settings.pending,
      videoPath: settings.paths.video,
      viewer: index,
      bitsPerSecond: settings.videoBitsPerSecond,
    });
    this.sse = new SseClient(
      { recorder: settings.recorder, verifier: settings.verifier, eventsPath: settings.paths.events },
      () => this.link.current,
    );
    this.link = new ReconnectingLink(settings, index, (conn) => this.opened(conn));
  }

  private get timers(): RepeatingTimers {
    return this.link.timers;
  }

  start(): void {
    this.link.connect();
    const { traffic } = this.settings;
    const seeks = this.random.fork('seeks');
    if (this.settings.seeksPerSecond > 0 && traffic.has('cancelled-downloads')) this.timers.every(seeks, this.settings.seeksPerSecond, () => this.seek(seeks));
    const smalls = this.random.fork('small');
    if (this.settings.smallPerSecond > 0) this.timers.every(smalls, this.settings.smallPerSecond, () => this.small());
    if (traffic.has('cancelled-uploads')) this.nextUpload(this.random.fork('uploads'));
    const trailers = this.random.fork('trailers');
    if (traffic.has('trailers')) this.timers.every(trailers, TRAILER_UPLOADS_PER_SECOND, () => this.trailerUpload(trailers));
    const headerSets = this.random.fork('header-sets');
    if (traffic.has('header-sets')) this.timers.every(headerSets, HEADER_SETS_PER_SECOND, () => this.headerSet(headerSets));
  }

  /** No more seeks or small requests (ReconnectingLink.drain). */
  async drain(): Promise<void> {
    await this.link.drain();
  }

  async stop(): Promise<void> {
    const stopped = this.link.stop(); // the phase is 'stopped' before the SSE stream ends
    this.sse.stop();
    this.player.stop();
    await stopped;
  }

  private opened(conn: ViewerConnection): void {
    this.burstOpen = 0;
    this.sse.open(conn);
    this.player.play(conn);
    if (this.settings.traffic.has('bursts')) this.burst(conn);
  }

  /** Sent with the preface, before the server's SETTINGS can arrive: more than it will take at once. */
  private burst(conn: ViewerConnection): void {
    // What comes after the burst (seeks, uploads, header sets) finds the refusals behind it, and
    // is not itself refused for the burst's streams: the bystanders of a desync come later.
    this.burstOpen = BURST_STREAMS;
    for (let i = 0; i < BURST_STREAMS; i++) {
      requestHeaderEcho(conn, this.settings.recorder, this.settings.paths.headers, 'burst', { 'x-burst-id': this.newValue() }).once('close', () => {
        if (this.link.current === conn) this.burstOpen--;
      });
    }
  }

  /** One upload after another while running; a viewer without a connection tries again after the gap. */
  private nextUpload(random: SeededRandom): void {
    const gap = between(random, UPLOAD_GAP_MS);
    const size = Math.floor(between(random, UPLOAD_BYTES));
    const cancelAfterMs = random.next() < UPLOAD_CANCEL_SHARE ? between(random, UPLOAD_CANCEL_MS) : undefined;
    this.timers.once(gap, () => {
      if (this.link.phase !== 'running') return;
      const conn = this.connection();
      if (!conn) return this.nextUpload(random);
      const plan = { path: this.settings.paths.upload, body: uploadBody(size, this.sent++), cancelAfterMs };
      upload(conn, this.settings.recorder, plan, this.timers).once('close', () => this.nextUpload(random));
    });
  }

  private trailerUpload(random: SeededRandom): void {
    const conn = this.connection();
    if (!conn) return;
    const body = uploadBody(1024 + Math.floor(random.next() * 4096), this.sent);
    upload(conn, this.settings.recorder, { path: this.settings.paths.echo, body, trailers: { 'x-checksum-id': this.newValue() } }, this.timers);
  }

  private headerSet(random: SeededRandom): void {
    const conn = this.connection();
    if (!conn) return;
    const set = HEADER_SETS[Math.floor(random.next() * HEADER_SETS.length)]!;
    requestHeaderEcho(conn, this.settings.recorder, this.settings.paths.headers, 'headers', { ...set, 'x-request-id': this.newValue() });
  }

  /** A header value no request of the run carried before: an HPACK encoder inserts it into its table. */
  private newValue(): string {
    return `v${this.index}-${this.sent++}`;
  }

  /** The usable connection (ReconnectingLink.usable), once no burst stream is open on it. */
  private connection(): ViewerConnection | undefined {
    const conn = this.link.usable();
    return conn && this.burstOpen === 0 ? conn : undefined;
  }

  private seek(random: SeededRandom): void {
    const conn = this.connection();
    if (!conn) return;
    const size = this.player.size ?? SIZE_BEFORE_FIRST_RESPONSE;
    this.player.seek(conn, Math.floor(random.next() * size));
  }

  private small(): void {
    const conn = this.connection();
    if (!conn || this.smallInFlight) return;
    const path = this.settings.paths.small;
    const { stream, record } = conn.request('small', { ':path': path });
    this.smallInFlight = true;
    const { verifier, recorder, pending } = this.settings;
    let checker: BodyChecker | undefined;
    stream.once('response', (headers) => {
      if (Number(headers[':status']) === 200) checker = new BodyChecker(verifier, recorder, record, pending, path, 0, false);
    });
    stream.on('data', (chunk: Buffer) => checker?.push(chunk));
    stream.once('close', () => {
      checker?.flush();
      this.smallInFlight = false;
    });
  }
}

/** Upload bytes: a pattern that shifts with `n`, so a piece of one upload in another's place shows. */
function uploadBody(size: number, n: number): Buffer {
  const body = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) body[i] = (i * 31 + n * 7 + (i >> 8)) & 0xff;
  return body;
}

function between(random: SeededRandom, range: { min: number; max: number }): number {
  return range.min + random.next() * (range.max - range.min);
}
