/**
 * A real server on h2race's engine, each connection on an EnginePath (h2c over TCP, or TLS with
 * ALPN h2) and each stream handed to the handler as an EngineStream, as the proxy's front does;
 * plus client helpers.
 */
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterEach, expect } from 'vitest';
import { pino } from 'pino';
import { generateSelfSigned, type CertPair } from '../../origin/cert.js';
import { createEnginePathWrapper } from '../../proxy/frame-path/wrapper.js';
import type { EnginePath } from '../../proxy/frame-path/engine-path.js';
import { DownstreamBridge } from '../../proxy/downstream-bridge.js';
import { EngineStream, requestHeaders } from '../../proxy/engine-stream.js';
import { ToxicSet, type ToxicInput } from '../../faults/link/toxic-set.js';
import type { BufferPool } from '../../faults/pool/types.js';

export interface FrameServer {
  url: string;
  tls: boolean;
  pool: BufferPool;
  toxics: ToxicSet;
  paths: EnginePath[];
  /** What the engine paths saw, in order: resets, the clients' GOAWAYs, frame errors. */
  seen: string[];
  /** The clients' GOAWAYs, per connection (EnginePath id). */
  clientGoaways: Array<{ connection: number; code: number }>;
  /** Every frame toxic decision, in order. */
  decisions: Array<{ conn: number; toxic: string; kind: string; value: unknown }>;
  close(): Promise<void>;
}

export interface FrameServerOptions {
  tls: boolean;
  pool: BufferPool;
  toxics?: readonly ToxicInput[];
  seed?: number;
  backpressureBytes?: number;
  handler: (stream: EngineStream, headers: http2.IncomingHttpHeaders) => void;
}

let certPromise: Promise<CertPair> | undefined;
const silent = pino({ level: 'silent' });

export async function startFrameServer(opts: FrameServerOptions): Promise<FrameServer> {
  const toxics = new ToxicSet(opts.toxics ?? []);
  const paths: EnginePath[] = [];
  const seen: string[] = [];
  const clientGoaways: FrameServer['clientGoaways'] = [];
  const decisions: FrameServer['decisions'] = [];
  const wrapper = createEnginePathWrapper({
    pool: opts.pool,
    toxics,
    seed: opts.seed ?? 1,
    logger: silent,
    backpressureBytes: opts.backpressureBytes ?? 2 * 1024 * 1024,
    onConnection: (path) => {
      paths.push(path);
      path.events.on('reset', (r) => seen.push(`conn ${path.id} RST_STREAM stream=${r.streamId} code=${r.errorCode}${r.injected ? ' (injected)' : ''}`));
      path.events.on('decision', (d) => decisions.push({ conn: path.id, ...d }));
      path.events.on('frame-error', (e) => seen.push(`conn ${path.id} frame error: ${e.message}`));
    },
  });
  let nextId = 1;
  const accept = (socket: net.Socket): void => {
    const info = { id: nextId++, alpn: (socket as tls.TLSSocket).alpnProtocol ?? false, tls: opts.tls };
    wrapper.serveEngine(socket, info, {
      onStream: (stream, head) => {
        const engineStream = new EngineStream(new DownstreamBridge(stream, head));
        engineStream.bridge.exchange = { exchangeClosed: () => engineStream.destroy() };
        opts.handler(engineStream, requestHeaders(head).headers);
        return engineStream.bridge;
      },
    }, {
      observer: {
        onGoawayReceived: (g) => {
          seen.push(`conn ${info.id} GOAWAY code=${g.errorCode} last=${g.lastStreamId}`);
          clientGoaways.push({ connection: info.id, code: g.errorCode });
        },
      },
    });
  };
  let listener: net.Server;
  if (opts.tls) {
    const cert = await (certPromise ??= generateSelfSigned('h2race frame path test'));
    listener = tls.createServer({ cert: cert.cert, key: cert.key, ALPNProtocols: ['h2'] }, accept);
  } else {
    listener = net.createServer(accept);
  }
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as net.AddressInfo;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    tls: opts.tls,
    pool: opts.pool,
    toxics,
    paths,
    seen,
    clientGoaways,
    decisions,
    async close() {
      for (const path of paths) path.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

export function connect(server: FrameServer | string, settings?: http2.Settings): http2.ClientHttp2Session {
  const url = typeof server === 'string' ? server : server.url;
  const client = http2.connect(url, { rejectUnauthorized: false, settings });
  client.on('error', () => {});
  return client;
}

export interface Response {
  status: number;
  body: Buffer;
}

export function get(client: http2.ClientHttp2Session, path: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = client.request({ ':path': path });
    const chunks: Buffer[] = [];
    let status = 0;
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve({ status, body: Buffer.concat(chunks) }));
    req.on('error', reject);
  });
}

export function closeClient(client: http2.ClientHttp2Session): Promise<void> {
  if (client.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    client.close(() => resolve());
    setTimeout(() => {
      client.destroy();
      resolve();
    }, 2000).unref();
  });
}

/**
 * After each test, closes the frame server `take` hands over (and forgets) and checks its pool:
 * once the connections are gone every lease has ended, in every mode.
 */
export function closeFrameServerAfterEach(take: () => FrameServer | undefined): void {
  afterEach(async () => {
    const server = take();
    if (!server) return;
    await server.close();
    expect(server.pool.stats().inUse, 'leases left in use after the connection ended').toBe(0);
  });
}
