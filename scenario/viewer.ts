/**
 * One simulated viewer: a browser tab with one HTTP/2 connection carrying a video that seeks, an
 * SSE stream, and small requests beside them. Seek times and positions and the small requests'
 * times come from the viewer's own SeededRandom stream, so a seed replays the same traffic.
 * When the connection dies the viewer opens a new one and resumes (video at its position, SSE
 * after its last event id), as a browser would.
 *
 * Lifecycle: the run owns its viewers; a viewer owns its connection (one at a time), its player,
 * its SSE client and its timers, and stop() is where all of them end. Phases: running (seeks and
 * small requests), draining (drain(): none any more, what is open goes on), stopped.
 */
import type { SeededRandom } from '../faults/random.js';
import { BodyChecker } from './body-checker.js';
import type { TargetOptions } from './client-session.js';
import type { FrameTapRelay } from './frame-tap.js';
import type { RunRecorder } from './recorder.js';
import { SseClient } from './sse-client.js';
import type { ContentVerifier } from './verifier.js';
import { VideoPlayer } from './video-player.js';
import { RepeatingTimers } from './repeating-timers.js';
import { ViewerConnection } from './viewer-connection.js';

export interface ScenarioPaths {
  video: string;
  events: string;
  small: string;
}

export interface ViewerSettings {
  target: TargetOptions;
  /** Every viewer connection goes through it, so the run sees its own client's GOAWAYs. */
  relay: FrameTapRelay;
  paths: ScenarioPaths;
  /** Mean seeks per second (exponential gaps); 0 = never seek. */
  seeksPerSecond: number;
  /** Mean small requests per second; 0 = none. */
  smallPerSecond: number;
  recorder: RunRecorder;
  verifier: ContentVerifier;
  pending: Set<Promise<void>>;
}

/** Before the first response tells the video's size, seeks stay within this many bytes. */
const SIZE_BEFORE_FIRST_RESPONSE = 1024 * 1024;
const RECONNECT_DELAY_MS = 100;

export class Viewer {
  private conn: ViewerConnection | undefined;
  private readonly player: VideoPlayer;
  private readonly sse: SseClient;
  private readonly timers = new RepeatingTimers(() => this.phase === 'running');
  private phase: 'running' | 'draining' | 'stopped' = 'running';
  private smallInFlight = false;

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
    });
    this.sse = new SseClient(
      { recorder: settings.recorder, verifier: settings.verifier, eventsPath: settings.paths.events },
      () => this.conn,
    );
  }

  start(): void {
    this.connect();
    const seeks = this.random.fork('seeks');
    if (this.settings.seeksPerSecond > 0) this.timers.every(seeks, this.settings.seeksPerSecond, () => this.seek(seeks));
    const smalls = this.random.fork('small');
    if (this.settings.smallPerSecond > 0) this.timers.every(smalls, this.settings.smallPerSecond, () => this.small());
  }

  /**
   * The end of the viewer's activity: no more seeks or small requests. Resolves when the server's
   * answer to a PING sent now arrives (or the connection is gone): whatever the server wrote
   * before it read our last cancel has arrived by then.
   */
  async drain(): Promise<void> {
    if (this.phase === 'running') this.phase = 'draining';
    await this.conn?.ping();
  }

  async stop(): Promise<void> {
    this.phase = 'stopped';
    this.timers.clear();
    this.sse.stop();
    await this.conn?.stop();
  }

  private connect(): void {
    if (this.phase === 'stopped') return;
    const conn = new ViewerConnection(this.settings.recorder, this.settings.target, this.settings.relay, this.index, (closed) => {
      if (this.conn !== closed || this.phase === 'stopped') return;
      this.conn = undefined;
      this.timers.once(RECONNECT_DELAY_MS, () => this.connect());
    });
    this.conn = conn;
    this.sse.open(conn);
    this.player.play(conn);
  }

  /** The usable connection, replacing a draining one (graceful GOAWAY) with a new one. */
  private connection(): ViewerConnection | undefined {
    if (this.conn && !this.conn.usable && this.conn.deathReason === undefined && this.phase !== 'stopped') {
      void this.conn.stop();
      this.conn = undefined;
      this.connect();
    }
    return this.conn?.usable ? this.conn : undefined;
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
