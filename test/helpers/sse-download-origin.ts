/**
 * A real node:http2 h2c origin for the window-leak tests: `/events` answers an SSE head and keeps
 * the stream for the test to write events on; any other path answers 200 and writes 1 MiB, a
 * download that only its peer's windows hold back.
 *
 * Lifecycle: the server and every session it accepts end in the caller's cleanups.
 */
import { once } from 'node:events';
import * as http2 from 'node:http2';
import type * as net from 'node:net';

export interface SseDownloadOrigin {
  port: number;
  sessions: http2.ServerHttp2Session[];
  /** The SSE stream, once its request came. */
  sse(): http2.ServerHttp2Stream | undefined;
  /** The downloads, in the order their requests came. */
  downloads: http2.ServerHttp2Stream[];
}

export async function startSseDownloadOrigin(cleanups: Array<() => unknown>): Promise<SseDownloadOrigin> {
  let sse: http2.ServerHttp2Stream | undefined;
  const downloads: http2.ServerHttp2Stream[] = [];
  const sessions: http2.ServerHttp2Session[] = [];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    if (headers[':path'] === '/events') {
      stream.respond({ ':status': 200, 'content-type': 'text/event-stream' });
      sse = stream;
    } else {
      stream.respond({ ':status': 200 });
      stream.write(Buffer.alloc(1 << 20, 0x61));
      downloads.push(stream);
    }
  });
  server.on('session', (s) => {
    s.on('error', () => {});
    sessions.push(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise((r) => server.close(r)), () => sessions.forEach((s) => s.destroy()));
  return { port: (server.address() as net.AddressInfo).port, sessions, sse: () => sse, downloads };
}

/** Resolves when the peer answered a PING: it has read everything sent before it. */
export function pingRoundTrip(session: http2.Http2Session): Promise<void> {
  return new Promise((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));
}
