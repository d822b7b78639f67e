/**
 * Interoperation with nghttp2's HPACK, through a real node:http2 client (node:http2 is built on
 * nghttp2) talking to a raw HTTP/2 server whose header blocks are ours:
 *  - requests: nghttp2's encoder → our decoder, while our SETTINGS_HEADER_TABLE_SIZE moves
 *    (down, to 0, up) between requests, so nghttp2 sends size updates our decoder must require;
 *  - responses: our encoder → nghttp2's decoder, while the client's SETTINGS_HEADER_TABLE_SIZE
 *    moves, so our size updates must satisfy nghttp2 (which rejects a block missing one).
 * Header blocks over 16 KiB cross CONTINUATION frames in both directions.
 */
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readFrameHeader } from '../../../h2/frame/codec.js';
import { CLIENT_PREFACE, FRAME_HEADER_LENGTH, FrameFlag, FrameType, SettingId } from '../../../h2/frame/constants.js';
import { HpackDecoder } from '../../../h2/hpack/decoder.js';
import { HpackEncoder } from '../../../h2/hpack/encoder.js';
import { frame, headerBlockFrames, settingsFrame } from '../../helpers/raw-h2.js';

interface DecodedRequest {
  streamId: number;
  headers: string[];
  neverIndexed: number[];
}

/**
 * The server side of one connection: answers SETTINGS, tells when its own SETTINGS are
 * acknowledged, decodes each request's header block (HEADERS + CONTINUATION) with our decoder,
 * and applies the client's SETTINGS_HEADER_TABLE_SIZE to our encoder.
 */
class RawServerConnection {
  readonly decoder = new HpackDecoder();
  readonly encoder = new HpackEncoder({ tableSizeLimit: 1 << 16 });
  private inbound = Buffer.alloc(0);
  private prefaceSeen = false;
  private block: Buffer[] = [];
  private readonly requests: DecodedRequest[] = [];
  private readonly waiters: Array<() => void> = [];
  /** SETTINGS frames we sent (the first, empty one at once) and the ACKs for them. */
  private settingsSent = 1;
  private settingsAcks = 0;
  private failure: Error | undefined;
  /**
   * Rejects when the client sends GOAWAY: nghttp2 answers a malformed block of ours with
   * GOAWAY(COMPRESSION_ERROR) and leaves the stream hanging, so a test races its response with this.
   */
  readonly goaway: Promise<never>;
  private rejectGoaway!: (err: Error) => void;

  constructor(readonly socket: net.Socket) {
    this.goaway = new Promise<never>((_, reject) => (this.rejectGoaway = reject));
    this.goaway.catch(() => {});
    socket.on('data', (chunk: Buffer) => {
      try {
        this.onData(chunk);
      } catch (err) {
        this.failure = err as Error;
        socket.destroy();
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.write(settingsFrame([]));
  }

  /** Sends our SETTINGS_HEADER_TABLE_SIZE; once the client ACKs it, the decoder's limit follows. */
  async advertiseTableSize(size: number): Promise<void> {
    this.socket.write(settingsFrame([[SettingId.HEADER_TABLE_SIZE, size]]));
    const sent = ++this.settingsSent;
    await this.until(() => this.settingsAcks === sent);
    this.decoder.setMaxTableSize(size);
  }

  async nextRequest(): Promise<DecodedRequest> {
    await this.until(() => this.requests.length > 0);
    return this.requests.shift()!;
  }

  respond(streamId: number, headers: string[]): void {
    this.socket.write(headerBlockFrames(streamId, this.encoder.encode(headers), { endStream: true }));
  }

  private async until(test: () => boolean): Promise<void> {
    while (!test()) {
      if (this.failure) throw this.failure;
      if (this.socket.destroyed) throw new Error('connection closed');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private onData(chunk: Buffer): void {
    this.inbound = Buffer.concat([this.inbound, chunk]);
    if (!this.prefaceSeen) {
      if (this.inbound.length < CLIENT_PREFACE.length) return;
      expect(this.inbound.subarray(0, CLIENT_PREFACE.length)).toEqual(CLIENT_PREFACE);
      this.inbound = this.inbound.subarray(CLIENT_PREFACE.length);
      this.prefaceSeen = true;
    }
    while (this.inbound.length >= FRAME_HEADER_LENGTH) {
      const header = readFrameHeader(this.inbound);
      const end = FRAME_HEADER_LENGTH + header.length;
      if (this.inbound.length < end) return;
      this.onFrame(header.type, header.flags, header.streamId, this.inbound.subarray(FRAME_HEADER_LENGTH, end));
      this.inbound = this.inbound.subarray(end);
    }
  }

  private onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (type === FrameType.SETTINGS) {
      if (flags & FrameFlag.ACK) {
        this.settingsAcks++;
        return;
      }
      for (let at = 0; at < payload.length; at += 6) {
        if (payload.readUInt16BE(at) === SettingId.HEADER_TABLE_SIZE) this.encoder.setMaxTableSize(payload.readUInt32BE(at + 2));
      }
      this.socket.write(frame(FrameType.SETTINGS, FrameFlag.ACK, 0));
      return;
    }
    if (type === FrameType.GOAWAY) {
      this.rejectGoaway(new Error(`the client sent GOAWAY, error code ${payload.readUInt32BE(4)}`));
      return;
    }
    if (type === FrameType.HEADERS) {
      let start = 0;
      let end = payload.length;
      if (flags & FrameFlag.PADDED) {
        end -= payload[0]!;
        start = 1;
      }
      if (flags & FrameFlag.PRIORITY) start += 5;
      this.block = [payload.subarray(start, end)];
    } else if (type === FrameType.CONTINUATION) {
      this.block.push(payload);
    } else {
      return;
    }
    if (flags & FrameFlag.END_HEADERS) {
      const headers = this.decoder.decode(Buffer.concat(this.block));
      this.requests.push({ streamId, headers, neverIndexed: [...this.decoder.neverIndexed] });
    }
  }
}

let server: net.Server | undefined;
let serverSocket: net.Socket | undefined;
let client: http2.ClientHttp2Session | undefined;
afterEach(async () => {
  client?.destroy();
  serverSocket?.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = serverSocket = client = undefined;
});

async function connectPair(): Promise<RawServerConnection> {
  let accepted!: (conn: RawServerConnection) => void;
  const connection = new Promise<RawServerConnection>((resolve) => (accepted = resolve));
  server = net.createServer((socket) => {
    serverSocket = socket;
    accepted(new RawServerConnection(socket));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  client = http2.connect(`http://127.0.0.1:${port}`);
  client.on('error', () => {});
  return connection;
}

/** Sorted [name, value] pairs of a flat list: the check ignores the order of different fields. */
function pairs(flat: readonly string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out.sort((a, b) => (a[0]! + '\0' + a[1]!).localeCompare(b[0]! + '\0' + b[1]!));
}

/** The request fields a step sends; step 4's value crosses a CONTINUATION frame. */
function requestFields(step: number): string[] {
  return [
    'user-agent', 'hpack-interop',
    'x-step', String(step),
    'x-repeated', 'the same value on every request',
    'cookie', `session=${step}`,
    'cookie', 'a-long-cookie-that-is-indexed-because-it-is-long',
    'authorization', 'Bearer secret',
    'x-big', step === 4 ? 'b'.repeat(20_000) : 'small',
  ];
}

function responseFields(step: number): string[] {
  return [
    ':status', '200',
    'content-type', 'text/plain',
    'x-step', String(step),
    'x-repeated', 'the same value on every response',
    'set-cookie', `id=${step}; Path=/`,
    'x-big', step === 5 ? 'c'.repeat(20_000) : 'small',
  ];
}

/** [our SETTINGS_HEADER_TABLE_SIZE, the client's] before each request. */
const TABLE_SIZES: Array<[number, number]> = [
  [4096, 4096],
  [4096, 4096],
  [256, 512],
  [0, 0],
  [0, 0],
  [1024, 2048],
  [65536, 100_000],
  [4096, 4096],
];

describe('HPACK against nghttp2 (node:http2)', () => {
  it('decodes nghttp2 request blocks and nghttp2 decodes ours, across table size changes', async () => {
    const conn = await connectPair();
    let ourSize = 4096;
    let clientSize = 4096;
    for (const [step, [nextOurSize, nextClientSize]] of TABLE_SIZES.entries()) {
      if (nextOurSize !== ourSize) await conn.advertiseTableSize((ourSize = nextOurSize));
      if (nextClientSize !== clientSize) {
        clientSize = nextClientSize;
        await new Promise<void>((resolve, reject) =>
          client!.settings({ headerTableSize: clientSize }, (err) => (err ? reject(err) : resolve())),
        );
      }

      const fields = requestFields(step);
      const outgoing: http2.OutgoingHttpHeaders = { ':path': `/step/${step}` };
      for (let i = 0; i < fields.length; i += 2) {
        const name = fields[i]!;
        const previous = outgoing[name];
        outgoing[name] = previous === undefined ? fields[i + 1]! : [previous as string, fields[i + 1]!].flat();
      }
      const request = client!.request(outgoing);
      const response = new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        request.on('response', resolve);
        request.on('error', reject);
      });

      const received = await conn.nextRequest();
      const expected = [':method', 'GET', ':scheme', 'http', ':authority', `127.0.0.1:${(server!.address() as net.AddressInfo).port}`, ':path', `/step/${step}`, ...fields];
      expect(pairs(received.headers)).toEqual(pairs(expected));
      // nghttp2 never indexes authorization nor a cookie under 20 bytes.
      const neverIndexedNames = received.neverIndexed.map((pair) => `${received.headers[2 * pair]}: ${received.headers[2 * pair + 1]}`);
      expect(neverIndexedNames.sort()).toEqual(['authorization: Bearer secret', `cookie: session=${step}`]);
      // nghttp2's encoder uses at most 4096 of what we allow, and announced each change.
      expect(conn.decoder.table.capacity).toBe(Math.min(ourSize, 4096));

      const sent = responseFields(step);
      conn.respond(received.streamId, sent);
      const got = await Promise.race([response, conn.goaway]);
      expect(got[':status']).toBe(200);
      for (let i = 2; i < sent.length; i += 2) {
        const value = got[sent[i]!];
        expect(Array.isArray(value) ? value.join('\n') : value, sent[i]).toBe(sent[i + 1]);
      }
      expect(conn.encoder.table.capacity).toBe(Math.min(clientSize, 1 << 16));
      await new Promise<void>((resolve) => {
        request.on('close', resolve);
        request.resume();
      });
    }
  });
});
