/**
 * Forwards a WebSocket from the HTTP/2 front — an RFC 8441 extended CONNECT, `:protocol
 * websocket` — to an HTTP/1.1 origin as the RFC 6455 Upgrade it knows. RFC 8441 §5 maps one onto
 * the other; what differs is h2race's to make up and check:
 *
 *   client ─CONNECT :protocol websocket─▶ h2race ─GET, Upgrade: websocket, Sec-WebSocket-Key─▶ origin
 *   client ◀──────200 (its END_STREAM ends)── h2race ◀──101, Sec-WebSocket-Accept (checked)──── origin
 *   client ◀═══ DATA both ways = the origin connection's bytes both ways ═══▶ origin
 *
 * The origin refusing (a 403, a 404: no 101) is passed through, status and body. The upstream
 * connection comes from the origin's tunnel agent, so the upstream link shapes its bytes; the
 * downstream stream's DATA is framed by the engine and goes through the downstream link and the
 * frame path as every stream's does.
 *
 * An h2c:// origin speaks only HTTP/2, where a WebSocket is an extended CONNECT upstream too; the
 * engine's client role can send one (h2/proto/client-connection.ts), the proxy's h2 pool does not
 * use it yet, so the client gets a 501 saying so at once.
 *
 * Lifecycle: the upstream request (then, after the 101, its socket) is this tunnel's; it ends
 * with the tunnel — destroyed by ps.cancelUpstream when the downstream stream closes first, or
 * on any failure — and never goes back to the agent (Node takes an upgraded socket out of it).
 */
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { downstreamResponseHeaders } from './headers.js';
import type { ProxiedStream } from './proxied-stream.js';
import { pump } from './pump.js';
import { UpstreamError } from './upstream/errors.js';
import { upstreamIdOf } from './upstream/h1-agent.js';
import type { OriginUpstream } from './upstream/origin-upstream.js';

/** Why a WebSocket cannot reach an HTTP/2-only origin (either front says it the same way). */
export const NO_H2_ORIGIN_WEBSOCKETS = 'h2race does not open WebSockets to HTTP/2 origins yet';

/** RFC 6455 §1.3: what the origin hashes with the key to prove it speaks WebSocket. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface ConnectForwardOptions {
  upstream: OriginUpstream;
  /** End-to-end request headers for the origin, `host` set (pseudo-headers gone). */
  headers: OutgoingHttpHeaders;
  /** How long the origin may take to answer the Upgrade; 0 = no limit. Not applied to the open tunnel. */
  timeoutMs: number;
}

export function forwardExtendedConnect(ps: ProxiedStream, opts: ConnectForwardOptions): void {
  const protocol = String(ps.headers[':protocol']);
  if (protocol.toLowerCase() !== 'websocket') return ps.refuse(501, `only WebSocket tunnels (extended CONNECT with :protocol websocket) are forwarded, not :protocol ${protocol}`);
  const { upstream } = opts;
  if (upstream.origin.protocol === 'h2c:') {
    return ps.refuse(501, `origin ${upstream.origin.host} speaks only HTTP/2 (h2c), and ${NO_H2_ORIGIN_WEBSOCKETS}`);
  }
  ps.attempts++;
  const key = randomBytes(16).toString('base64');
  const agent = upstream.tunnels;
  const { host, port } = agent.endpoint;
  const request = http.request({
    agent,
    host,
    port,
    method: 'GET',
    path: ps.start.path,
    headers: {
      ...opts.headers,
      connection: 'upgrade',
      upgrade: 'websocket',
      'sec-websocket-key': key,
      'sec-websocket-version': ps.headers['sec-websocket-version'] ?? '13',
    },
    setHost: false,
    timeout: opts.timeoutMs > 0 ? opts.timeoutMs : undefined,
  });
  ps.cancelUpstream = () => request.destroy();
  const fail = (err: UpstreamError) => {
    if (ps.downstreamClosed) return;
    ps.cancelUpstream?.();
    ps.fail(err);
  };
  request.once('socket', (socket: Socket) => (ps.upstreamId = upstreamIdOf(socket)));
  request.on('timeout', () => fail(new UpstreamError('response-timeout', `origin did not answer the WebSocket upgrade within ${opts.timeoutMs} ms`)));
  request.on('error', (err: NodeJS.ErrnoException) => fail(upgradeError(err, upstream)));
  request.once('upgrade', (res: http.IncomingMessage, socket: Socket, head: Buffer) => {
    ps.cancelUpstream = () => socket.destroy();
    // The tunnel may stay silent for minutes: the answer's deadline is not the tunnel's.
    socket.setTimeout(0);
    socket.on('error', (err: NodeJS.ErrnoException) => fail(new UpstreamError('connection-lost', `WebSocket tunnel to origin broke: ${err.code ?? err.message}`, err)));
    if (ps.downstreamClosed) return void socket.destroy();
    if (res.headers['sec-websocket-accept'] !== acceptFor(key)) {
      return fail(new UpstreamError('protocol', `origin ${upstream.origin.host} answered the WebSocket upgrade with a wrong Sec-WebSocket-Accept`));
    }
    const headers = downstreamResponseHeaders(res.headers, '1.1');
    delete headers['sec-websocket-accept'];
    if (!ps.relayHead(200, headers)) return;
    // Bytes the origin sent right behind its 101 are the tunnel's first.
    if (head.length > 0) socket.unshift(head);
    ps.responseBody = pump(socket, ps.sink, () => ps.endResponse(undefined));
    ps.requestBody = pump(ps.body, socket, () => socket.end());
  });
  request.once('response', (response: http.IncomingMessage) => {
    // The origin did not switch protocols: its answer is the whole exchange.
    if (ps.downstreamClosed || ps.failed) return void response.resume();
    if (!ps.relayHead(response.statusCode ?? 502, downstreamResponseHeaders(response.headers, '1.1'))) return;
    response.on('error', (err: NodeJS.ErrnoException) => fail(new UpstreamError('connection-lost', `origin's answer to the WebSocket upgrade cut short: ${err.code ?? err.message}`, err)));
    ps.responseBody = pump(response, ps.sink, () => ps.endResponse(undefined));
  });
  request.end();
}

/** RFC 6455 §4.2.2: base64(SHA-1(key + GUID)). */
function acceptFor(key: string): string {
  return createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
}

function upgradeError(err: NodeJS.ErrnoException, upstream: OriginUpstream): UpstreamError {
  // The agent classified connect errors already; an ALPN refusal among them is said plainly.
  const cause = (err instanceof UpstreamError ? err.cause : err) as NodeJS.ErrnoException | undefined;
  if (cause?.code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL') {
    return new UpstreamError('protocol', `origin ${upstream.origin.host} offers no HTTP/1.1 (TLS ALPN): it speaks only HTTP/2, and ${NO_H2_ORIGIN_WEBSOCKETS}`, err);
  }
  if (err instanceof UpstreamError) return err;
  return new UpstreamError('protocol', `origin ${upstream.origin.host} failed the WebSocket upgrade: ${err.code ?? err.message}`, err);
}
