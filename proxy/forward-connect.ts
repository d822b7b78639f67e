/**
 * Forwards a WebSocket from the HTTP/2 front — an RFC 8441 extended CONNECT, `:protocol
 * websocket` — to the origin, by what the origin speaks:
 *
 * To an HTTP/2 origin (h2c://, or https:// with ALPN h2) that enabled RFC 8441
 * (SETTINGS_ENABLE_CONNECT_PROTOCOL), as an extended CONNECT on a stream of the pooled upstream
 * session (forward-h2.ts): the WebSocket bytes are the same on both sides (RFC 8441 §5), so the
 * DATA of each stream is the other's, untouched, with flow control end to end; the origin's 2xx
 * becomes the client's 200, a refusal passes through, and a reset on either side ends that
 * stream pair only. An h2c:// origin that did not enable it gets a 501 naming the setting.
 *
 * To an HTTP/1.1 origin, as the RFC 6455 Upgrade it knows. RFC 8441 §5 maps one onto the other;
 * what differs is h2race's to make up and check:
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
 * An https:// origin may offer both. Its HTTP/2 session is asked first, and the tunnel goes
 * there when the origin enabled RFC 8441; otherwise (no h2 in ALPN, or no setting) it goes as an
 * Upgrade over HTTP/1.1. Why that way round: the origin's SETTINGS say it takes WebSockets on
 * HTTP/2, which is what a browser connected to it would then use (Chrome and Firefox open RFC
 * 8441 streams on an h2 connection that advertises it), and the tunnel then shares the session,
 * its windows and its cancels with the other streams, the conditions h2race exists to show; an
 * origin silent about it (nginx, most servers) still gets its WebSockets over HTTP/1.1, as before.
 *
 * Lifecycle (HTTP/1.1): the upstream request (then, after the 101, its socket) is this tunnel's;
 * it ends with the tunnel — destroyed by the cancel it gave ps.attemptStarted when the downstream stream closes
 * first, or on any failure — and never goes back to the agent (Node takes an upgraded socket out
 * of it). HTTP/2: as any forwarded stream's (forward-h2.ts, H2Attempt).
 */
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { fieldsOf } from './field-list.js';
import { forwardOverH2 } from './forward-h2.js';
import type { IdleSweep } from './idle-sweep.js';
import { downstreamResponseHeaders } from './headers.js';
import type { ProxiedStream } from './proxied-stream.js';
import { pump } from './pump.js';
import { NoConnectProtocolError, UpstreamError } from './upstream/errors.js';
import { upstreamIdOf } from './upstream/h1-agent.js';
import type { OriginUpstream } from './upstream/origin-upstream.js';

/** RFC 6455 §1.3: what the origin hashes with the key to prove it speaks WebSocket. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface ConnectForwardOptions {
  upstream: OriginUpstream;
  /** End-to-end request headers for the origin, `host` set (pseudo-headers gone). */
  headers: OutgoingHttpHeaders;
  /** How long the origin may take to answer the Upgrade; 0 = no limit. Not applied to the open tunnel. */
  timeoutMs: number;
  /** The forwarder's sweep of that wait on HTTP/2 (shared by every request; undefined: no limit). */
  responseSweep: IdleSweep | undefined;
}

export function forwardExtendedConnect(ps: ProxiedStream, opts: ConnectForwardOptions): void {
  const protocol = String(ps.headers[':protocol']);
  if (protocol.toLowerCase() !== 'websocket') return ps.refuse(501, `only WebSocket tunnels (extended CONNECT with :protocol websocket) are forwarded, not :protocol ${protocol}`);
  const { upstream } = opts;
  if (!upstream.h2 || upstream.usesH1) return upgradeOverH1(ps, opts);
  // On HTTP/2 the authority is the :authority pseudo-header, not a host field.
  const { host, ...headers } = opts.headers;
  forwardOverH2(ps, {
    pool: upstream.h2,
    // Only the wait for its 2xx is swept, not the open tunnel.
    responseSweep: opts.responseSweep,
    onNotH2: upstream.tls ? () => upgradeOverH1(ps, opts) : undefined,
  }, upstream.tls ? 'https' : 'http', String(host), fieldsOf(headers), true, 'websocket');
}

function upgradeOverH1(ps: ProxiedStream, opts: ConnectForwardOptions): void {
  const { upstream } = opts;
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
  let cancel: () => void = () => request.destroy();
  ps.attemptStarted({ cancel: () => cancel() });
  const fail = (err: UpstreamError) => {
    if (ps.downstreamClosed) return;
    cancel();
    ps.onError(err);
  };
  request.once('socket', (socket: Socket) => ps.upstreamAssigned(upstreamIdOf(socket)));
  request.on('timeout', () => fail(new UpstreamError('response-timeout', `origin did not answer the WebSocket upgrade within ${opts.timeoutMs} ms`)));
  request.on('error', (err: NodeJS.ErrnoException) => fail(upgradeError(err, upstream)));
  request.once('upgrade', (res: http.IncomingMessage, socket: Socket, head: Buffer) => {
    cancel = () => socket.destroy();
    // The tunnel may stay silent for minutes: the answer's deadline is not the tunnel's.
    socket.setTimeout(0);
    socket.on('error', (err: NodeJS.ErrnoException) => fail(new UpstreamError('connection-lost', `WebSocket tunnel to origin broke: ${err.code ?? err.message}`, err)));
    if (ps.downstreamClosed) return void socket.destroy();
    if (res.headers['sec-websocket-accept'] !== acceptFor(key)) {
      return fail(new UpstreamError('protocol', `origin ${upstream.origin.host} answered the WebSocket upgrade with a wrong Sec-WebSocket-Accept`));
    }
    const headers = downstreamResponseHeaders(res.headers, '1.1');
    delete headers['sec-websocket-accept'];
    if (!ps.onHead(200, headers)) return;
    // Bytes the origin sent right behind its 101 are the tunnel's first.
    if (head.length > 0) socket.unshift(head);
    ps.responseBodyMoving(pump(socket, ps.sink, () => ps.onEnd(undefined)));
    ps.requestBodyMoving(pump(ps.body, socket, () => socket.end()));
  });
  request.once('response', (response: http.IncomingMessage) => {
    // The origin did not switch protocols: its answer is the whole exchange.
    if (ps.downstreamClosed || ps.failed) return void response.resume();
    if (!ps.onHead(response.statusCode ?? 502, downstreamResponseHeaders(response.headers, '1.1'))) return;
    response.on('error', (err: NodeJS.ErrnoException) => fail(new UpstreamError('connection-lost', `origin's answer to the WebSocket upgrade cut short: ${err.code ?? err.message}`, err)));
    ps.responseBodyMoving(pump(response, ps.sink, () => ps.onEnd(undefined)));
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
  // Only an origin whose HTTP/2 did not take the tunnel comes here over TLS: it takes it nowhere.
  if (cause?.code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL') {
    return new NoConnectProtocolError(`origin ${upstream.origin.host} offers no HTTP/1.1 (TLS ALPN) and has not enabled extended CONNECT on HTTP/2 (no SETTINGS_ENABLE_CONNECT_PROTOCOL): it takes no WebSocket`);
  }
  if (err instanceof UpstreamError) return err;
  return new UpstreamError('protocol', `origin ${upstream.origin.host} failed the WebSocket upgrade: ${err.code ?? err.message}`, err);
}
