/**
 * What the Toxiproxy API tests share: an h2race admin server on an ephemeral port with a
 * toxiproxy-node-client pointed at it, raw requests for what the client throws away (error
 * bodies, headers), and small TCP servers on 127.0.0.1 to put traffic through the proxies.
 */
import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';
import { Toxiproxy } from 'toxiproxy-node-client';
import { expect } from 'vitest';
import { silentLogger } from '../../proxy/log.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../../api/api-server.js';
import { parsePrometheusText, type Exposition } from './prometheus-text.js';

export interface TestApi {
  api: ApiServer;
  client: Toxiproxy;
  url: string;
  close(): Promise<void>;
}

export async function startTestApi(options: Partial<ApiServerOptions> = {}): Promise<TestApi> {
  const api = await startApiServer({ host: '127.0.0.1', port: 0, logger: silentLogger(), ...options });
  return { api, client: new Toxiproxy(api.url), url: api.url, close: () => api.close() };
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** A request whose response the test reads whole, error bodies included. */
export async function raw(url: string, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const res = await fetch(url + path, { method, body: method === "GET" || method === "HEAD" ? undefined : body, headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** GET /metrics of the API at `url`: a 200 in Prometheus' text format, parsed. */
export async function scrape(url: string): Promise<Exposition> {
  const res = await raw(url, 'GET', '/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(res.text);
}

/** Scrape until `ok` holds (connections close asynchronously); bounded: 40 tries, 50 ms apart. */
export async function scrapeUntil(url: string, ok: (e: Exposition) => boolean): Promise<Exposition> {
  for (let i = 0; i < 40; i++) {
    const e = await scrape(url);
    if (ok(e)) return e;
    await new Promise((r) => setTimeout(r, 50));
  }
  return scrape(url);
}

/** Servers the tests start, closed by `closeAll`. */
export class Servers {
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();

  /** An echo server: every byte comes back. */
  echo(): Promise<number> {
    return this.start((s) => s.pipe(s));
  }

  /** Answers each connection's first data with `size` bytes of 'x', then closes. */
  sender(size: number): Promise<number> {
    return this.start((s) => s.once('data', () => s.end(Buffer.alloc(size, 'x'))));
  }

  async start(onConnection: (s: Socket) => void): Promise<number> {
    const server = createServer((s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
      onConnection(s);
    });
    this.servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  async closeAll(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/** A free port that nothing listens on (bound, then released). */
export async function unusedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(':') + 1));
}

export interface Exchange {
  /** Bytes received. */
  data: Buffer;
  /** ms from the first write to each received chunk. */
  arrivals: Array<{ at: number; bytes: number }>;
  /** How the connection ended: 'end' (FIN), 'reset' (ECONNRESET), 'open' (still open at deadline). */
  ended: 'end' | 'reset' | 'error' | 'open';
  /** ms from the first write to the end. */
  endedAt: number;
}

/**
 * Connect to `port`, write `payload`, and collect what comes back until the connection ends, the
 * expected byte count arrived (when `until` is set), or `deadlineMs` passes.
 */
export function exchange(port: number, payload: Buffer | string, opts: { until?: number; deadlineMs?: number } = {}): Promise<Exchange> {
  const deadlineMs = opts.deadlineMs ?? 5000;
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const arrivals: Exchange['arrivals'] = [];
    let got = 0;
    let start = 0;
    let done = false;
    const finish = (ended: Exchange['ended']) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), arrivals, ended, endedAt: performance.now() - start });
    };
    const timer = setTimeout(() => finish('open'), deadlineMs);
    socket.on('connect', () => {
      start = performance.now();
      socket.write(payload);
    });
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      arrivals.push({ at: performance.now() - start, bytes: d.length });
      if (opts.until !== undefined && got >= opts.until) finish('open');
    });
    socket.on('end', () => finish('end'));
    socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code === 'ECONNRESET' ? 'reset' : 'error'));
    socket.on('close', () => finish('end'));
  });
}
