/**
 * A raw HTTP/2 client for attacks and the fuzzer: it writes whatever frames it is told to (valid
 * or not) over TLS (ALPN h2) or TCP, and records what the server sends back frame by frame.
 * Frame headers are read and written with h2/frame/codec.ts; header blocks are encoded
 * with the few HPACK forms an attacker needs (static-table indexes, literals without indexing,
 * no Huffman). It never decodes the server's header blocks: tests that need a status code use a
 * real node:http2 client.
 *
 * Lifecycle: one RawH2 per connection, made by connectRaw(); it ends when the socket closes
 * (the server's doing, or close()); `closed` resolves then and every waiter settles.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { CLIENT_PREFACE, ErrorCode, FRAME_HEADER_LENGTH, FrameFlag, FrameType } from '../../h2/frame/constants.js';
import { parseGoaway, readFrameHeader, writeFrameHeader, type FrameHeader } from '../../h2/frame/codec.js';
import { encodeRstStream } from '../../h2/frame/encode.js';

export interface RawH2Options {
  port: number;
  host?: string;
  /** TLS with ALPN h2 (default), or cleartext prior knowledge. */
  tls?: boolean;
  /** Send the preface and an empty SETTINGS at once (default true). */
  preface?: boolean;
  /** Settings sent with the preface: [id, value] pairs. */
  settings?: ReadonlyArray<readonly [number, number]>;
  /** Answer the server's SETTINGS with an ACK (default true). */
  ackSettings?: boolean;
}

export interface ReceivedFrame extends FrameHeader {
  /** The payload; for DATA only its length is kept (the payload is empty here). */
  payload: Buffer;
}

export interface GoawayInfo {
  lastStreamId: number;
  errorCode: number;
  debug: string;
}

/** Frames kept for inspection; beyond it only the counters grow (a flood test stays bounded). */
const MAX_KEPT_FRAMES = 5_000;

export type HeaderList = ReadonlyArray<readonly [string, string]>;

export class RawH2 {
  readonly frames: ReceivedFrame[] = [];
  /** Frames received per type, all of them (not bounded like `frames`). */
  readonly counts = new Map<number, number>();
  /** DATA payload bytes received per stream. */
  readonly dataBytes = new Map<number, number>();
  /** Streams the server ended (END_STREAM on DATA or HEADERS). */
  readonly ended = new Set<number>();
  /** RST_STREAM codes the server sent, per stream. */
  readonly resets = new Map<number, number>();
  goaway: GoawayInfo | undefined;
  /** The latest GOAWAY (a graceful close's final one, after its 2^31-1 announcement). */
  lastGoaway: GoawayInfo | undefined;
  /** Set once the socket has closed. */
  isClosed = false;
  readonly closed: Promise<void>;
  private inbound: Buffer = Buffer.alloc(0);
  private waiters: Array<{ test: () => boolean; resolve: () => void }> = [];

  constructor(readonly socket: net.Socket, private readonly opts: RawH2Options) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {
      /* the close below settles everything */
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.settle();
        resolve();
      }),
    );
  }

  /** Writes raw bytes; resolves once the socket can take more (a flood never buffers unbounded). */
  async send(bytes: Buffer): Promise<void> {
    if (this.isClosed || this.socket.destroyed) return;
    if (this.socket.write(bytes)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  /** Whether the socket still accepts writes (false once the server cut it). */
  get writable(): boolean {
    return !this.isClosed && !this.socket.destroyed && this.socket.writable;
  }

  /** Resolves when `test` holds (checked after every received frame and at close), or after `ms`. */
  waitFor(test: () => boolean, ms: number): Promise<boolean> {
    if (test()) return Promise.resolve(true);
    if (this.isClosed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = {
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve(test());
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(test());
      }, ms);
      this.waiters.push(waiter);
    });
  }

  /** The server's GOAWAY, waiting up to `ms` (undefined if none came). */
  async waitForGoaway(ms: number): Promise<GoawayInfo | undefined> {
    await this.waitFor(() => this.goaway !== undefined, ms);
    return this.goaway;
  }

  /** Waits until the server closes the connection (true) or `ms` pass (false). */
  async waitForClose(ms: number): Promise<boolean> {
    return this.waitFor(() => this.isClosed, ms);
  }

  count(type: number): number {
    return this.counts.get(type) ?? 0;
  }

  framesOf(type: number, streamId?: number): ReceivedFrame[] {
    return this.frames.filter((f) => f.type === type && (streamId === undefined || f.streamId === streamId));
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.inbound = this.inbound.length === 0 ? chunk : Buffer.concat([this.inbound, chunk]);
    let at = 0;
    while (this.inbound.length - at >= FRAME_HEADER_LENGTH) {
      const header = readFrameHeader(this.inbound, at);
      const end = at + FRAME_HEADER_LENGTH + header.length;
      if (this.inbound.length < end) break;
      this.onFrame(header, this.inbound.subarray(at + FRAME_HEADER_LENGTH, end));
      at = end;
    }
    this.inbound = at === this.inbound.length ? Buffer.alloc(0) : Buffer.from(this.inbound.subarray(at));
    this.settle();
  }

  private onFrame(header: FrameHeader, payload: Buffer): void {
    this.counts.set(header.type, this.count(header.type) + 1);
    if (header.type === FrameType.DATA) {
      this.dataBytes.set(header.streamId, (this.dataBytes.get(header.streamId) ?? 0) + header.length);
    }
    if (this.frames.length < MAX_KEPT_FRAMES) {
      this.frames.push({ ...header, payload: header.type === FrameType.DATA ? Buffer.alloc(0) : Buffer.from(payload) });
    }
    if ((header.type === FrameType.DATA || header.type === FrameType.HEADERS) && header.flags & FrameFlag.END_STREAM) {
      this.ended.add(header.streamId);
    }
    if (header.type === FrameType.RST_STREAM && payload.length === 4) this.resets.set(header.streamId, payload.readUInt32BE(0));
    if (header.type === FrameType.GOAWAY && payload.length >= 8) {
      const g = parseGoaway(payload);
      this.lastGoaway = { lastStreamId: g.lastStreamId, errorCode: g.errorCode, debug: g.debug.toString('latin1') };
      this.goaway ??= this.lastGoaway;
    }
    if (header.type === FrameType.SETTINGS && !(header.flags & FrameFlag.ACK) && this.opts.ackSettings !== false && this.writable) {
      this.socket.write(frame(FrameType.SETTINGS, FrameFlag.ACK, 0));
    }
  }

  private settle(): void {
    const ready = this.waiters.filter((w) => this.isClosed || w.test());
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}

/** Opens a connection; with `preface` (default) the preface and SETTINGS are already written. */
export async function connectRaw(opts: RawH2Options): Promise<RawH2> {
  const host = opts.host ?? '127.0.0.1';
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = opts.tls === false
      ? net.connect({ host, port: opts.port, noDelay: true }, () => resolve(s))
      : tls.connect({ host, port: opts.port, ALPNProtocols: ['h2'], rejectUnauthorized: false }, () => resolve(s));
    s.once('error', reject);
  });
  socket.removeAllListeners('error');
  const raw = new RawH2(socket, opts);
  if (opts.preface !== false) socket.write(Buffer.concat([CLIENT_PREFACE, settingsFrame(opts.settings ?? [])]));
  return raw;
}

// ── frame builders (bytes only; nothing here checks validity: attacks need invalid frames) ──

export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + payload.length);
  writeFrameHeader(out, { length: payload.length, type, flags, streamId });
  payload.copy(out, FRAME_HEADER_LENGTH);
  return out;
}

export function settingsFrame(settings: ReadonlyArray<readonly [number, number]>): Buffer {
  const payload = Buffer.allocUnsafe(settings.length * 6);
  settings.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, i * 6);
    payload.writeUInt32BE(value, i * 6 + 2);
  });
  return frame(FrameType.SETTINGS, 0, 0, payload);
}

export function pingFrame(data = 0, ack = false): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(data >>> 0, 4);
  return frame(FrameType.PING, ack ? FrameFlag.ACK : 0, 0, payload);
}

export function rstFrame(streamId: number, code: number = ErrorCode.CANCEL): Buffer {
  return encodeRstStream(streamId, code);
}

export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(increment & 0x7fffffff);
  return frame(FrameType.WINDOW_UPDATE, 0, streamId, payload);
}

export function dataFrame(streamId: number, payload: Buffer, endStream = false): Buffer {
  return frame(FrameType.DATA, endStream ? FrameFlag.END_STREAM : 0, streamId, payload);
}

export function goawayFrame(lastStreamId: number, code: number): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(lastStreamId);
  payload.writeUInt32BE(code, 4);
  return frame(FrameType.GOAWAY, 0, 0, payload);
}

/** HEADERS with END_HEADERS set unless `endHeaders` is false (then CONTINUATION must follow). */
export function headersFrame(streamId: number, block: Buffer, opts: { endStream?: boolean; endHeaders?: boolean } = {}): Buffer {
  const flags = (opts.endStream ?? true ? FrameFlag.END_STREAM : 0) | (opts.endHeaders ?? true ? FrameFlag.END_HEADERS : 0);
  return frame(FrameType.HEADERS, flags, streamId, block);
}

/** A header block cut into HEADERS + CONTINUATION frames of at most `maxFrameSize` bytes. */
export function headerBlockFrames(streamId: number, block: Buffer, opts: { endStream?: boolean; maxFrameSize?: number } = {}): Buffer {
  const max = opts.maxFrameSize ?? 16_384;
  const frames = [headersFrame(streamId, block.subarray(0, max), { endStream: opts.endStream, endHeaders: block.length <= max })];
  for (let at = max; at < block.length; at += max) {
    frames.push(continuationFrame(streamId, block.subarray(at, at + max), at + max >= block.length));
  }
  return Buffer.concat(frames);
}

export function continuationFrame(streamId: number, block: Buffer, endHeaders = false): Buffer {
  return frame(FrameType.CONTINUATION, endHeaders ? FrameFlag.END_HEADERS : 0, streamId, block);
}

// ── HPACK, encoder side only (RFC 7541) ─────────────────────────────────────────────────────

/** Static-table entries an attacker's requests use (RFC 7541 Appendix A). */
const STATIC_FULL: ReadonlyMap<string, number> = new Map([
  [':method\0GET', 2],
  [':method\0POST', 3],
  [':path\0/', 4],
  [':scheme\0http', 6],
  [':scheme\0https', 7],
]);
const STATIC_NAME: ReadonlyMap<string, number> = new Map([
  [':authority', 1],
  [':path', 4],
  ['content-length', 28],
  ['user-agent', 58],
]);

/** An HPACK integer with an N-bit prefix; `first` holds the pattern bits above the prefix. */
export function hpackInteger(value: number, prefixBits: number, first = 0): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([first | value]);
  const bytes = [first | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function hpackString(s: string): Buffer {
  const bytes = Buffer.from(s, 'latin1');
  return Buffer.concat([hpackInteger(bytes.length, 7), bytes]);
}

/** Encodes a header list: full static matches as indexes, everything else as literals without indexing. */
export function encodeHeaderBlock(headers: HeaderList): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of headers) {
    const full = STATIC_FULL.get(`${name}\0${value}`);
    if (full !== undefined) {
      parts.push(hpackInteger(full, 7, 0x80));
      continue;
    }
    const nameIndex = STATIC_NAME.get(name);
    if (nameIndex !== undefined) parts.push(hpackInteger(nameIndex, 4, 0x00), hpackString(value));
    else parts.push(Buffer.from([0x00]), hpackString(name), hpackString(value));
  }
  return Buffer.concat(parts);
}

/** A literal with incremental indexing: the server adds it to its dynamic table (an HPACK bomb's seed). */
export function encodeIndexedLiteral(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0x40]), hpackString(name), hpackString(value)]);
}

/** An indexed field referring to dynamic-table entry `n` (1 = newest): 62 + n - 1. */
export function encodeDynamicIndex(n: number): Buffer {
  return hpackInteger(61 + n, 7, 0x80);
}

/** The pseudo-headers of a GET for `path` at `authority`. */
export function requestHeaders(path: string, authority: string, opts: { method?: string; scheme?: string; extra?: HeaderList } = {}): HeaderList {
  return [
    [':method', opts.method ?? 'GET'],
    [':scheme', opts.scheme ?? 'https'],
    [':authority', authority],
    [':path', path],
    ...(opts.extra ?? []),
  ];
}
