/**
 * The connection a simulated client keeps (Viewer, GrpcViewer): one at a time, a new one opened
 * RECONNECT_DELAY_MS after the current one closes, as a browser or a gRPC channel reconnects;
 * and the client's phase, which its timers and its reconnects obey.
 *
 * Lifecycle: its client owns it; it owns the current connection and the client's timers, and
 * stop() is where both end.
 */
import type { TargetOptions } from './client-session.js';
import type { FrameTapRelay } from './frame-tap.js';
import type { RunRecorder } from './recorder.js';
import { RepeatingTimers } from './repeating-timers.js';
import { ViewerConnection } from './viewer-connection.js';

/** What opening a client's connection takes (a part of viewer.ts's ViewerSettings). */
export interface ConnectionSettings {
  target: TargetOptions;
  /** Every viewer connection goes through it, so the run sees its own client's GOAWAYs. */
  relay: FrameTapRelay;
  /** How long a stream may go without progress before the stall watch asks (stall-watch.ts). */
  stallAfterMs: number;
  recorder: RunRecorder;
}

const RECONNECT_DELAY_MS = 100;

type Phase = 'running' | 'draining' | 'stopped';

export class ReconnectingLink {
  private conn: ViewerConnection | undefined;
  private phaseNow: Phase = 'running';
  /** Repeat only while running; all cleared by stop(). */
  readonly timers = new RepeatingTimers(() => this.phaseNow === 'running');

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly index: number,
    /** Called with each connection as it opens: the client starts its traffic on it. */
    private readonly opened: (conn: ViewerConnection) => void,
  ) {}

  get phase(): Phase {
    return this.phaseNow;
  }

  get current(): ViewerConnection | undefined {
    return this.conn;
  }

  connect(): void {
    if (this.phaseNow === 'stopped') return;
    const { recorder, target, relay, stallAfterMs } = this.settings;
    const conn = new ViewerConnection(recorder, target, relay, this.index, stallAfterMs, (closed) => {
      if (this.conn !== closed || this.phaseNow === 'stopped') return;
      this.conn = undefined;
      this.timers.once(RECONNECT_DELAY_MS, () => this.connect());
    });
    this.conn = conn;
    this.opened(conn);
  }

  /**
   * The connection new requests go on, or none while there is no usable one. One draining after
   * the server's graceful GOAWAY is replaced first, as a browser or a gRPC channel opens a new
   * connection then.
   */
  usable(): ViewerConnection | undefined {
    const current = this.conn;
    if (current && !current.usable && current.deathReason === undefined) this.replace();
    return this.conn?.usable ? this.conn : undefined;
  }

  /** Stops the current connection (one draining after a graceful GOAWAY) and opens a new one at once. */
  private replace(): void {
    if (this.phaseNow === 'stopped') return;
    void this.conn?.stop();
    this.conn = undefined;
    this.connect();
  }

  /**
   * The end of the client's activity: no more timed requests. Resolves when the server's answer
   * to a PING sent now arrives (or the connection is gone): whatever the server wrote before it
   * read the client's last cancel has arrived by then.
   */
  async drain(): Promise<void> {
    if (this.phaseNow === 'running') this.phaseNow = 'draining';
    await this.conn?.ping();
  }

  async stop(): Promise<void> {
    this.phaseNow = 'stopped';
    this.timers.clear();
    await this.conn?.stop();
  }
}
