/**
 * A WebSocket client over HTTP/2 (RFC 8441) for tests. node:http2 opens the extended CONNECT
 * stream (`:method CONNECT`, `:protocol websocket`), and the `ws` package's own WebSocket runs on
 * it: the framing, masking, ping/pong and close handshake of its HTTP/1.1 client. `ws` has no
 * RFC 8441 client; its WebSocket takes any Duplex through setSocket(), as its server does after an
 * Upgrade, and `_isServer = false` (the only thing its client constructor sets differently for
 * the connection itself) makes it mask what it sends and refuse masked frames, as a client must;
 * `_closeTimeout` is the client's default 30 s (unset, its close handshake would be cut at once).
 *
 * The same WebSocket as a server (it sends unmasked frames and requires masked ones) is an origin's
 * on the stream it accepted (webSocketOn(stream, 'server'), ./h2-ws-origin.ts).
 *
 * Lifecycle: the session is the caller's (connectH2); the WebSocket ends with its stream.
 */
import { once } from 'node:events';
import * as http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';

export const MAX_PAYLOAD = 64 * 1024 * 1024;

/** An HTTP/2 session whose SETTINGS arrived (extended CONNECT waits for SETTINGS_ENABLE_CONNECT_PROTOCOL). */
export async function connectH2(url: string, ca?: string): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(url, ca ? { ca } : {});
  session.on('error', () => {});
  await once(session, 'remoteSettings');
  return session;
}

function connectStream(session: http2.ClientHttp2Session, path: string): http2.ClientHttp2Stream {
  const stream = session.request({
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': session.encrypted ? 'https' : 'http',
    ':path': path,
    'sec-websocket-version': '13',
    origin: 'https://h2race.test',
  });
  stream.on('error', () => {});
  return stream;
}

/** What `ws` has and its type declarations leave out: a WebSocket without an address (its server's kind). */
type BareWebSocket = new (address: null, protocols: undefined, options: { autoPong: boolean }) => WebSocket & {
  _isServer: boolean;
  _closeTimeout: number;
  setSocket(socket: Duplex, head: Buffer, options: { maxPayload: number; allowSynchronousEvents: boolean }): void;
};

export interface H2WebSocket {
  ws: WebSocket;
  stream: http2.ClientHttp2Stream;
  response: http2.IncomingHttpHeaders;
}

/** Opens a WebSocket on a new stream of `session`, terminated with the cleanups; rejects unless the answer is 200. */
export async function openH2WebSocket(session: http2.ClientHttp2Session, path: string, cleanups: Array<() => unknown>): Promise<H2WebSocket> {
  const { stream, response } = await openH2Tunnel(session, path);
  const ws = webSocketOn(stream, 'client');
  cleanups.push(() => ws.terminate());
  return { ws, stream, response };
}

/** An extended CONNECT stream answered 200, its bytes the caller's; rejects on any other answer. */
export async function openH2Tunnel(session: http2.ClientHttp2Session, path: string): Promise<{ stream: http2.ClientHttp2Stream; response: http2.IncomingHttpHeaders }> {
  const stream = connectStream(session, path);
  const [response] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
  if (Number(response[':status']) !== 200) throw new Error(`extended CONNECT answered ${String(response[':status'])}`);
  return { stream, response };
}

/** A `ws` WebSocket on an open tunnel (an extended CONNECT stream), as its client or its server. */
export function webSocketOn(stream: Duplex, side: 'client' | 'server'): WebSocket {
  const ws = new (WebSocket as unknown as BareWebSocket)(null, undefined, { autoPong: true });
  ws._isServer = side === 'server';
  ws._closeTimeout = 30_000;
  ws.setSocket(stream, Buffer.alloc(0), { maxPayload: MAX_PAYLOAD, allowSynchronousEvents: true });
  ws.on('error', () => {});
  return ws;
}

/** The answer to an extended CONNECT that does not become a WebSocket: status, fields, body. */
export async function refusedH2WebSocket(session: http2.ClientHttp2Session, path: string): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string }> {
  const stream = connectStream(session, path);
  const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  await once(stream, 'end');
  stream.end();
  return { status: Number(headers[':status']), headers, body: Buffer.concat(chunks).toString() };
}
