/**
 * Watches the frames a viewer's HTTP/2 client exchanges, without touching them:
 *
 *   node:http2 session ─TCP (loopback)─▶ FrameTapRelay ─TLS / TCP─▶ target
 *
 * node:http2 answers a framing violation by sending GOAWAY and then goes quiet — no event tells
 * the application. A browser fails every stream at that moment, so the scenario must see its own
 * GOAWAY: the relay scans the client's outbound frame headers for it, and remembers the last
 * inbound frame header as the likely culprit. It also reports every RST_STREAM either side sends:
 * node gives a stream's reset code (`rstCode`) without saying who sent it, and a stream our own
 * stack reset for a bad frame is damage, while one the server reset is the server's refusal.
 * It judges each inbound header as it goes by and reports the first one our client cannot take
 * of each kind (unparsable-frame.ts: framing, protocol, stream-state) with its 9 bytes — the
 * report's "bad frame" is the one whose kind the client's GOAWAY code tells — and counts the DATA
 * bytes the target sent per stream, those the client drops after a cancel included (the report's
 * "wasted"). Only the 9-byte headers (and the first 8 payload bytes of GOAWAY and RST_STREAM) are
 * read; bytes pass through untouched.
 *
 * Why a loopback relay and not a JS Duplex given to http2.connect's createConnection: a session
 * over a JS stream delivered stale DATA bytes under load (measured on Node 20.20: the first bytes
 * of new streams were the tail of earlier frames, ~100 MiB of 900 MiB wrong at 130 Mbit/s, none
 * over a real socket). Over the relay the session keeps a real socket.
 *
 * Lifecycle: the run owns the relay (close() ends it and every pair); each pair (client socket +
 * target socket) ends when either side closes.
 */
import net, { type Socket } from 'node:net';
import { CLIENT_PREFACE, FRAME_HEADER_LENGTH, FrameType } from '../h2/frame/constants.js';
import { describeFrame, readFrameHeader, type FrameHeader } from '../h2/frame/codec.js';
import { frameProblem, type FrameProblemKind } from './unparsable-frame.js';

export interface GoawayFrame {
  lastStreamId: number;
  code: number;
}

export interface ResetFrame {
  streamId: number;
  code: number;
}

/** What a scanner reports: every frame header (its 9 bytes with it), and the frames whose payload it reads. */
export interface ScannedFrames {
  header?(frame: FrameHeader, raw: Buffer): void;
  goaway?(frame: GoawayFrame): void;
  reset?(frame: ResetFrame): void;
}

/** Incremental header-only scanner over one direction of an HTTP/2 byte stream. */
export class FrameScanner {
  private skip: number;
  private readonly header = Buffer.alloc(FRAME_HEADER_LENGTH);
  private headerFill = 0;
  private current: FrameHeader | undefined;
  private payloadLeft = 0;
  /** The start of a GOAWAY's or RST_STREAM's payload: last-stream-id and code, or the code. */
  private readonly head = Buffer.alloc(8);
  private headFill = 0;
  /** The most recent complete frame header seen. */
  last: FrameHeader | undefined;

  constructor(
    prefaceBytes: number,
    private readonly report: ScannedFrames,
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
        this.report.header?.(this.current, this.header);
        this.payloadLeft = this.current.length;
        this.headFill = 0;
      }
      const frame = this.current;
      const n = Math.min(this.payloadLeft, chunk.length - at);
      const wanted = headBytes(frame.type);
      if (this.headFill < wanted) {
        const take = Math.min(wanted - this.headFill, n);
        chunk.copy(this.head, this.headFill, at, at + take);
        this.headFill += take;
      }
      at += n;
      this.payloadLeft -= n;
      if (this.payloadLeft === 0) {
        this.current = undefined;
        if (wanted > 0 && this.headFill === wanted) this.emit(frame);
      }
    }
  }

  describeLast(): string | undefined {
    return this.last && describeFrame(this.last);
  }

  private emit(frame: FrameHeader): void {
    if (frame.type === FrameType.GOAWAY) {
      this.report.goaway?.({ lastStreamId: this.head.readUInt32BE(0) & 0x7fffffff, code: this.head.readUInt32BE(4) });
    } else {
      this.report.reset?.({ streamId: frame.streamId, code: this.head.readUInt32BE(0) });
    }
  }
}

/** Payload bytes the scanner reads of a frame type (0: header only). */
function headBytes(type: number): number {
  return type === FrameType.GOAWAY ? 8 : type === FrameType.RST_STREAM ? 4 : 0;
}

/** A frame header from the target our client cannot take (unparsable-frame.ts): a candidate culprit of its GOAWAY. */
export interface UnparsableFrame {
  header: FrameHeader;
  /** The header's 9 bytes as they arrived, in hex. */
  bytesHex: string;
  /** How the client answers it: which GOAWAY code it explains. */
  kind: FrameProblemKind;
  /** The rule it breaks. */
  problem: string;
}

export interface FrameTapEvents {
  /** A DATA frame from the target went by (counted whether or not the client still wanted the stream). */
  onData?(streamId: number, length: number): void;
  /** The first inbound frame header of each kind our client cannot take, as the relay forwards it (once per kind and connection). */
  onUnparsableFrame?(frame: UnparsableFrame): void;
  /** Our own client sent GOAWAY (outbound). */
  onClientGoaway(frame: GoawayFrame, lastInbound: string | undefined): void;
  /** An RST_STREAM went by: sent by our client (`client`) or by the target (`server`). */
  onReset?(side: 'client' | 'server', frame: ResetFrame): void;
  /**
   * Our client's RST_STREAM for the stream of the stream-state header reported last went by
   * before its GOAWAY: it had reset that stream before the DATA reached it and ignored it
   * (nghttp2 sends no RST_STREAM once a frame made it end the connection). The next stream-state
   * header is reported then.
   */
  onStreamStateExcused?(streamId: number): void;
}

/**
 * What the relay sees of one connection, told to `events` as the bytes go by: the client's bytes
 * (from its preface on) through fromClient, the target's through fromTarget.
 */
export class FrameTap {
  private readonly seen = { highestClientStream: 0, answered: new Set<number>(), resetByClient: new Set<number>() };
  /**
   * A stream-state problem may be harmless (the client's reset was on its way), so a later framing
   * or protocol one may still be what the client refused: the first of each kind is reported.
   */
  private readonly reported = new Set<FrameProblemKind>();
  /** The stream of the stream-state header reported last, until the client's reset excuses it. */
  private streamStateOn: number | undefined;
  /** Once our client has sent GOAWAY, no later header can be what it refused. */
  private doneLooking = false;
  private readonly inbound: FrameScanner;
  private readonly outbound: FrameScanner;

  constructor(events: FrameTapEvents) {
    const { seen } = this;
    this.inbound = new FrameScanner(0, {
      header: (header, raw) => {
        if (header.type === FrameType.DATA) events.onData?.(header.streamId, header.length);
        if (this.doneLooking || !events.onUnparsableFrame) return;
        const problem = frameProblem(header, seen);
        if (header.type === FrameType.HEADERS) seen.answered.add(header.streamId);
        if (problem === undefined || this.reported.has(problem.kind)) return;
        this.reported.add(problem.kind);
        if (problem.kind === 'stream-state') this.streamStateOn = header.streamId;
        events.onUnparsableFrame({ header, bytesHex: raw.toString('hex'), kind: problem.kind, problem: problem.rule });
      },
      reset: (frame) => events.onReset?.('server', frame),
    });
    this.outbound = new FrameScanner(CLIENT_PREFACE.length, {
      header: (header) => {
        if (header.type === FrameType.HEADERS && header.streamId > seen.highestClientStream) seen.highestClientStream = header.streamId;
      },
      goaway: (frame) => {
        this.doneLooking = true;
        events.onClientGoaway(frame, this.inbound.describeLast());
      },
      reset: (frame) => {
        seen.resetByClient.add(frame.streamId);
        events.onReset?.('client', frame);
        if (!this.doneLooking && frame.streamId === this.streamStateOn) {
          this.streamStateOn = undefined;
          this.reported.delete('stream-state');
          events.onStreamStateExcused?.(frame.streamId);
        }
      },
    });
  }

  fromClient(chunk: Buffer): void {
    this.outbound.push(chunk);
  }

  fromTarget(chunk: Buffer): void {
    this.inbound.push(chunk);
  }
}

interface Claim {
  events: FrameTapEvents;
  /** Opens the socket to the target (TLS or TCP). */
  connectTarget: () => Socket;
}

export class FrameTapRelay {
  private readonly server = net.createServer((client) => this.accepted(client));
  /** Client sockets accepted before their claim arrived, and claims before their socket: by client port. */
  private readonly parked = new Map<number, Socket>();
  private readonly claims = new Map<number, Claim>();
  private readonly pairs = new Set<Socket>();

  static async start(): Promise<FrameTapRelay> {
    const relay = new FrameTapRelay();
    await new Promise<void>((resolve, reject) => {
      relay.server.once('error', reject);
      relay.server.listen(0, '127.0.0.1', () => resolve());
    });
    return relay;
  }

  /** A socket for http2.connect's createConnection: its bytes go to the target through the relay. */
  connect(claim: Claim): Socket {
    const port = (this.server.address() as net.AddressInfo).port;
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    socket.once('connect', () => {
      const parked = this.parked.get(socket.localPort!);
      if (parked) {
        this.parked.delete(socket.localPort!);
        this.pair(parked, claim);
      } else {
        this.claims.set(socket.localPort!, claim);
      }
    });
    return socket;
  }

  async close(): Promise<void> {
    for (const s of this.pairs) s.destroy();
    for (const s of this.parked.values()) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accepted(client: Socket): void {
    client.on('error', () => {});
    const port = client.remotePort!;
    const claim = this.claims.get(port);
    if (claim) {
      this.claims.delete(port);
      this.pair(client, claim);
    } else {
      client.pause();
      this.parked.set(port, client);
    }
  }

  private pair(client: Socket, claim: Claim): void {
    client.setNoDelay(true);
    const target = claim.connectTarget();
    const tap = new FrameTap(claim.events);
    this.pairs.add(client);
    this.pairs.add(target);
    pipe(client, target, (chunk) => tap.fromClient(chunk));
    pipe(target, client, (chunk) => tap.fromTarget(chunk));
    const end = (): void => {
      client.destroy();
      target.destroy();
      this.pairs.delete(client);
      this.pairs.delete(target);
    };
    client.once('close', end);
    target.once('close', end);
    target.on('error', () => client.destroy());
    client.resume();
  }
}

/** from → to with backpressure, every chunk shown to `watch` first. */
function pipe(from: Socket, to: Socket, watch: (chunk: Buffer) => void): void {
  from.on('data', (chunk: Buffer) => {
    watch(chunk);
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
  from.once('end', () => to.end());
}
