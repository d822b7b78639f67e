/**
 * h2spec's client connection (spec/connection.go), for the server cases: it writes frames as
 * golang.org/x/net/http2's Framer does with AllowIllegalWrites (anything, valid or not), and reads
 * the server's frames as events, one at a time, each read bounded by `timeoutMs` as h2spec's read
 * deadline is. As in h2spec, a read that ends the connection (close, error or timeout) sets
 * `closed`, which ends every verification loop; DATA frames read are answered with WINDOW_UPDATEs
 * once a window reaches zero.
 *
 * Header blocks are encoded by raw-h2's literal encoder (static-table indexes and literals without
 * indexing, no Huffman), never by the code under test; it keeps no dynamic table, so a block may be
 * sent twice or cut anywhere, as the cases do with the Go encoder's blocks.
 *
 * Lifecycle: made by dial(), owned by the case that runs on it; ends at close() (the runner's
 * finally) or when the server closes the socket.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { CLIENT_PREFACE, FrameFlag, FrameType, SettingId } from '../../h2/frame/constants.js';
import { encodeHeaderBlock, frame, settingsFrame, windowUpdateFrame, type HeaderList } from '../helpers/raw-h2.js';
import { isAck, takeEvents, type H2Event } from './events.js';

export const DEFAULT_WINDOW_SIZE = 65_535;
export const DEFAULT_FRAME_SIZE = 16_384;

export interface ConnOptions {
  host: string;
  port: number;
  tls: boolean;
  /** h2spec's -o: how long one read (and the handshake, and the dial) may wait. */
  timeoutMs: number;
}

export interface PriorityParam {
  streamDep: number;
  exclusive: boolean;
  weight: number;
}

export interface HeadersParam {
  streamId: number;
  block: Buffer;
  endStream: boolean;
  endHeaders: boolean;
  padLength?: number;
  priority?: PriorityParam;
}

type Setting = readonly [id: number, value: number];

export class H2specConn {
  /** The server's SETTINGS, as received during the handshake. */
  readonly settings = new Map<number, number>();
  /** h2spec's Conn.Closed: set by the first read that closed, failed or timed out. */
  closed = false;
  private readonly windows = new Map<number, number>([[0, DEFAULT_WINDOW_SIZE]]);
  private readonly queue: H2Event[] = [];
  private inbound: Buffer | null = Buffer.alloc(0);
  private wake: (() => void) | undefined;

  private constructor(private readonly socket: net.Socket, private readonly timeoutMs: number) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('close', () => this.onEnd());
    // Go reports a reset (and a write into a closed socket, whose read then ends) as a close.
    socket.on('error', (err: NodeJS.ErrnoException) =>
      this.push(err.code === 'ECONNRESET' || err.code === 'EPIPE' ? { kind: 'closed' } : { kind: 'error', message: err.message }),
    );
  }

  static async dial(opts: ConnOptions): Promise<H2specConn> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = opts.tls
        ? tls.connect({ host: opts.host, port: opts.port, ALPNProtocols: ['h2', 'h2-16'], rejectUnauthorized: false }, () => {
            if ((s as tls.TLSSocket).alpnProtocol === 'h2') resolve(s);
            else reject(new Error('Protocol negotiation failed'));
          })
        : net.connect({ host: opts.host, port: opts.port }, () => resolve(s));
      s.setNoDelay(true);
      s.once('error', reject);
      s.setTimeout(opts.timeoutMs, () => s.destroy(new Error(`dial timed out after ${opts.timeoutMs} ms`)));
    }).catch((err: unknown) => {
      throw new Error(`dial ${opts.host}:${opts.port}: ${(err as Error).message}`);
    });
    socket.removeAllListeners('error');
    socket.setTimeout(0);
    return new H2specConn(socket, opts.timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }

  // ── writing (Go's Framer.Write*; errors are ignored, as h2spec ignores them) ──────────────

  send(bytes: Buffer): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytes);
  }

  encodeHeaders(headers: HeaderList): Buffer {
    return encodeHeaderBlock(headers);
  }

  writeRaw(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): void {
    this.send(frame(type, flags, streamId, payload));
  }

  writeData(streamId: number, endStream: boolean, data: Buffer | string): void {
    this.writeRaw(FrameType.DATA, endStream ? FrameFlag.END_STREAM : 0, streamId, Buffer.from(data));
  }

  writeDataPadded(streamId: number, endStream: boolean, data: Buffer | string, pad: Buffer): void {
    const payload = Buffer.concat([Buffer.from([pad.length]), Buffer.from(data), pad]);
    this.writeRaw(FrameType.DATA, FrameFlag.PADDED | (endStream ? FrameFlag.END_STREAM : 0), streamId, payload);
  }

  writeHeaders(p: HeadersParam): void {
    const hasPriority = p.priority !== undefined && (p.priority.streamDep !== 0 || p.priority.weight !== 0 || p.priority.exclusive);
    const padLength = p.padLength ?? 0;
    const flags =
      (p.endStream ? FrameFlag.END_STREAM : 0) |
      (p.endHeaders ? FrameFlag.END_HEADERS : 0) |
      (padLength > 0 ? FrameFlag.PADDED : 0) |
      (hasPriority ? FrameFlag.PRIORITY : 0);
    const parts = [
      padLength > 0 ? Buffer.from([padLength]) : Buffer.alloc(0),
      hasPriority ? priorityPayload(p.priority!) : Buffer.alloc(0),
      p.block,
      Buffer.alloc(padLength),
    ];
    this.writeRaw(FrameType.HEADERS, flags, p.streamId, Buffer.concat(parts));
  }

  writePriority(streamId: number, p: PriorityParam): void {
    this.writeRaw(FrameType.PRIORITY, 0, streamId, priorityPayload(p));
  }

  writeRstStream(streamId: number, code: number): void {
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(code);
    this.writeRaw(FrameType.RST_STREAM, 0, streamId, payload);
  }

  writeSettings(...settings: Setting[]): void {
    this.send(settingsFrame(settings));
  }

  writeSettingsAck(): void {
    this.writeRaw(FrameType.SETTINGS, FrameFlag.ACK, 0);
  }

  writePushPromise(streamId: number, promiseId: number, block: Buffer): void {
    const promised = Buffer.alloc(4);
    promised.writeUInt32BE(promiseId);
    this.writeRaw(FrameType.PUSH_PROMISE, FrameFlag.END_HEADERS, streamId, Buffer.concat([promised, block]));
  }

  writePing(ack: boolean, data: Buffer): void {
    this.writeRaw(FrameType.PING, ack ? FrameFlag.ACK : 0, 0, data);
  }

  writeGoAway(lastStreamId: number, code: number, debug: Buffer): void {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(lastStreamId & 0x7fffffff);
    head.writeUInt32BE(code, 4);
    this.writeRaw(FrameType.GOAWAY, 0, 0, Buffer.concat([head, debug]));
  }

  writeWindowUpdate(streamId: number, increment: number): void {
    this.send(windowUpdateFrame(streamId, increment));
  }

  writeContinuation(streamId: number, endHeaders: boolean, block: Buffer): void {
    this.writeRaw(FrameType.CONTINUATION, endHeaders ? FrameFlag.END_HEADERS : 0, streamId, block);
  }

  /** The server's SETTINGS_MAX_FRAME_SIZE, or the default. */
  maxFrameSize(): number {
    return this.settings.get(SettingId.MAX_FRAME_SIZE) ?? DEFAULT_FRAME_SIZE;
  }

  // ── reading ──────────────────────────────────────────────────────────────────────────────

  /**
   * h2spec's handshakeAsClient: preface and SETTINGS(INITIAL_WINDOW_SIZE=65535), then frames are
   * read until the server's SETTINGS (answered with an ACK) and the ACK of ours have both come.
   * Whatever else arrives meanwhile is consumed. The whole of it is bounded by the timeout.
   */
  async handshake(): Promise<void> {
    this.send(CLIENT_PREFACE);
    this.writeSettings([SettingId.INITIAL_WINDOW_SIZE, DEFAULT_WINDOW_SIZE]);
    const deadline = Date.now() + this.timeoutMs;
    let acked = false;
    let remote = false;
    while (!(acked && remote)) {
      const ev = await this.next(deadline - Date.now());
      if (ev.kind === 'timeout') throw new Error('Timeout (handshake)');
      if (ev.kind !== 'frame') throw new Error(`handshake: ${ev.kind === 'error' ? ev.message : 'connection closed'}`);
      if (ev.type !== FrameType.SETTINGS) continue;
      if (isAck(ev)) {
        acked = true;
        continue;
      }
      remote = true;
      for (let at = 0; at + 6 <= ev.payload.length; at += 6) this.settings.set(ev.payload.readUInt16BE(at), ev.payload.readUInt32BE(at + 2));
      this.writeSettingsAck();
    }
  }

  /** h2spec's WaitEvent: the next event, waiting at most the timeout. */
  async waitEvent(): Promise<H2Event> {
    const ev = await this.next(this.timeoutMs);
    if (ev.kind === 'frame') {
      if (ev.type === FrameType.DATA) this.updateWindows(ev.streamId, ev.length);
    } else {
      this.closed = true;
    }
    return ev;
  }

  /**
   * h2spec's WaitEventByType: events are read until one of `type` comes (returned with true);
   * otherwise the last event read before the connection ended, with false.
   */
  async waitEventByType(type: number): Promise<[H2Event, boolean]> {
    let last: H2Event | undefined;
    while (!this.closed) {
      const ev = await this.waitEvent();
      if (ev.kind === 'frame' && ev.type === type) return [ev, true];
      if (ev.kind === 'timeout' && last !== undefined) break;
      last = ev;
    }
    return [last ?? { kind: 'closed' }, false];
  }

  /**
   * The next event, or a timeout after `ms`. A timer that fires late (an event loop stalled by a
   * busy machine) runs before the loop's I/O phase: the timeout is only decided after that phase
   * (setImmediate), so bytes that did arrive in time are read first, not reported as silence.
   */
  private async next(ms: number): Promise<H2Event> {
    if (this.queue.length > 0) return this.queue.shift()!;
    if (ms <= 0) return { kind: 'timeout' };
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => setImmediate(resolve), ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
    return this.queue.shift() ?? { kind: 'timeout' };
  }

  private push(ev: H2Event): void {
    // After the connection ended (or a frame could not be parsed) nothing more is read.
    if (this.inbound === null) return;
    if (ev.kind !== 'frame') this.inbound = null;
    this.queue.push(ev);
    this.wake?.();
  }

  private onData(chunk: Buffer): void {
    if (this.inbound === null) return;
    const { events, rest } = takeEvents(this.inbound.length === 0 ? chunk : Buffer.concat([this.inbound, chunk]));
    for (const ev of events) this.push(ev);
    if (this.inbound !== null) this.inbound = rest === null ? null : Buffer.from(rest);
  }

  /** The connection ended; mid-frame, Go's framer reads io.ErrUnexpectedEOF: an error, not a close. */
  private onEnd(): void {
    this.push(this.inbound !== null && this.inbound.length > 0 ? { kind: 'error', message: 'unexpected EOF' } : { kind: 'closed' });
  }

  /** Go's updateWindowSize: once a window is used up, a WINDOW_UPDATE brings it back to 65535. */
  private updateWindows(streamId: number, length: number): void {
    for (const id of [streamId, 0]) {
      const window = (this.windows.get(id) ?? DEFAULT_WINDOW_SIZE) - length;
      if (window <= 0) {
        this.writeWindowUpdate(id, DEFAULT_WINDOW_SIZE - window);
        this.windows.set(id, DEFAULT_WINDOW_SIZE);
      } else {
        this.windows.set(id, window);
      }
    }
  }
}

function priorityPayload(p: PriorityParam): Buffer {
  const payload = Buffer.alloc(5);
  payload.writeUInt32BE(((p.exclusive ? 0x80000000 : 0) | (p.streamDep & 0x7fffffff)) >>> 0);
  payload[4] = p.weight;
  return payload;
}
