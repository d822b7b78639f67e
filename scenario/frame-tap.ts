/**
 * Watches the frames a viewer's HTTP/2 client exchanges, without touching them:
 *
 *   node:http2 client session ⇄ FrameTap (Duplex) ⇄ TLS / TCP socket ⇄ target
 *
 * node:http2 answers a framing violation by sending GOAWAY and then goes quiet — no event tells
 * the application. A browser fails every stream at that moment, so the scenario must see its own
 * GOAWAY: the tap scans outbound frame headers for it, and remembers the last inbound frame
 * header as the likely culprit. Only the 9-byte headers (and GOAWAY's first 8 payload bytes) are
 * read; payloads pass through untouched.
 *
 * Lifecycle: the tap owns the socket it wraps; destroying either destroys both.
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { CLIENT_PREFACE, FRAME_HEADER_LENGTH, FrameType } from '../faults/frames/constants.js';
import { describeFrame, readFrameHeader, type FrameHeader } from '../faults/frames/codec.js';

export interface GoawayFrame {
  lastStreamId: number;
  code: number;
}

/** Incremental header-only scanner over one direction of an HTTP/2 byte stream. */
export class FrameScanner {
  private skip: number;
  private readonly header = Buffer.alloc(FRAME_HEADER_LENGTH);
  private headerFill = 0;
  private current: FrameHeader | undefined;
  private payloadLeft = 0;
  private readonly goaway = Buffer.alloc(8);
  private goawayFill = 0;
  /** The most recent complete frame header seen. */
  last: FrameHeader | undefined;

  constructor(
    prefaceBytes: number,
    private readonly onGoaway: (frame: GoawayFrame) => void,
  ) {
    this.skip = prefaceBytes;
  }

  push(chunk: Buffer): void {
    let at = Math.min(this.skip, chunk.length);
    this.skip -= at;
    while (at < chunk.length) {
      if (!this.current) {
        const n = Math.min(FRAME_HEADER_LENGTH - this.headerFill, chunk.length - at);
        chunk.copy(this.header, this.headerFill, at, at + n);
        this.headerFill += n;
        at += n;
        if (this.headerFill < FRAME_HEADER_LENGTH) return;
        this.headerFill = 0;
        this.current = readFrameHeader(this.header);
        this.last = this.current;
        this.payloadLeft = this.current.length;
        this.goawayFill = 0;
      }
      const frame = this.current;
      const n = Math.min(this.payloadLeft, chunk.length - at);
      if (frame.type === FrameType.GOAWAY && this.goawayFill < 8) {
        const take = Math.min(8 - this.goawayFill, n);
        chunk.copy(this.goaway, this.goawayFill, at, at + take);
        this.goawayFill += take;
      }
      at += n;
      this.payloadLeft -= n;
      if (this.payloadLeft === 0) {
        this.current = undefined;
        if (frame.type === FrameType.GOAWAY && this.goawayFill === 8) {
          this.onGoaway({
            lastStreamId: this.goaway.readUInt32BE(0) & 0x7fffffff,
            code: this.goaway.readUInt32BE(4),
          });
        }
      }
    }
  }

  describeLast(): string | undefined {
    return this.last && describeFrame(this.last);
  }
}

export interface FrameTapEvents {
  /** Our own client sent GOAWAY (outbound). */
  onClientGoaway(frame: GoawayFrame, lastInbound: string | undefined): void;
}

export class FrameTap extends Duplex {
  private readonly outbound: FrameScanner;
  private readonly inbound: FrameScanner;

  constructor(
    private readonly socket: Socket,
    events: FrameTapEvents,
  ) {
    super({ allowHalfOpen: false });
    this.inbound = new FrameScanner(0, () => {});
    this.outbound = new FrameScanner(CLIENT_PREFACE.length, (frame) =>
      events.onClientGoaway(frame, this.inbound.describeLast()),
    );
    socket.on('data', (chunk: Buffer) => {
      this.inbound.push(chunk);
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.outbound.push(chunk);
    this.socket.write(chunk, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end(cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.socket.destroy();
    cb(err);
  }
}
