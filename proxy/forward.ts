/**
 * The request handler both fronts call: turns a downstream request into a ProxiedStream and
 * sends it to the origin over HTTP/2 (forward-h2.ts) or HTTP/1.1 (forward-h1.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { DEFAULT_MAX_HEADER_LIST_SIZE, type ProxyConfig } from '../config/proxy-schema.js';
import type { RequestHead } from '../h2/proto/header-validation.js';
import type { ConnectionInfo } from './connection-wrapper.js';
import type { ProxyEvents } from './events.js';
import { forwardExtendedConnect } from './forward-connect.js';
import { forwardOverH1 } from './forward-h1.js';
import { fieldsOf, fieldValue } from './field-list.js';
import { forwardOverH2, type H2Upstream } from './forward-h2.js';
import { requestAuthority, upstreamRequestFields, upstreamRequestHeaders } from './headers.js';
import { IdleSweep } from './idle-sweep.js';
import { ProxiedStream, type DownstreamExchange } from './proxied-stream.js';
import type { OriginUpstream } from './upstream/origin-upstream.js';

export type RequestHandler = (exchange: DownstreamExchange, connection: ConnectionInfo, streamId: number) => void;

export function createForwarder(
  upstream: OriginUpstream,
  config: Pick<ProxyConfig, 'upstream' | 'downstream'>,
  events: ProxyEvents,
  logger: Logger,
): RequestHandler {
  const maxHeaderListSize = config.downstream.settings.maxHeaderListSize ?? DEFAULT_MAX_HEADER_LIST_SIZE;
  const responseTimeoutMs = config.upstream.responseTimeoutMs;
  // Rare (an origin found to speak HTTP/1.1 only): what it needs is read from the stream again.
  const viaH1 = (ps: ProxiedStream): void => forwardOverH1(ps, {
    agent: upstream.h1,
    headers: upstreamRequestHeaders(ps.headers, ps, upstreamAuthority(upstream, config, clientAuthorityOf(ps))),
    timeoutMs: responseTimeoutMs,
  });
  // Shared by every request: a request makes no options object and no timer of its own.
  const responseSweep = responseTimeoutMs > 0 ? new IdleSweep(responseTimeoutMs) : undefined;
  const h2Upstream: H2Upstream | undefined = upstream.h2 && { pool: upstream.h2, responseSweep, onNotH2: viaH1 };
  // Per request: the ProxiedStream and the attempt, no closure (what they are called back for is a
  // method of theirs) and no object literal: V8 pretenures a literal's allocation site when a
  // warm-up burst finds its objects all alive, and from then on each one, allocated in old space,
  // pins what it points to (a request's field list) through every scavenge until a mark-compact.
  return (exchange, connection, streamId) => {
    const ps = new ProxiedStream(exchange, connection, streamId, events, logger);
    // An HTTP/2 request comes with the engine's head: read as it is, no header object made from it.
    const requestHead = ps.requestHead;
    const extendedConnect = ps.start.method === 'CONNECT' && requestHead !== undefined && requestHead.protocol !== '';
    if (ps.start.method === 'CONNECT' && !extendedConnect) return ps.refuse(501, 'CONNECT is not supported');
    // nghttp2 enforces SETTINGS_MAX_HEADER_LIST_SIZE only once the client has ACKed it.
    if ((requestHead ? requestHeadSize(requestHead) : headerListSize(ps.rawHeaders)) > maxHeaderListSize) {
      return ps.refuse(431, `request header list exceeds ${maxHeaderListSize} bytes`);
    }
    const h2Stream = ps.h2Stream;
    const clientAuthority = clientAuthorityOf(ps);
    const authority = upstreamAuthority(upstream, config, clientAuthority);
    // A WebSocket (RFC 8441) may be silent for minutes: no stream idle timeout on a tunnel.
    if (extendedConnect) {
      return forwardExtendedConnect(ps, { upstream, headers: upstreamRequestHeaders(ps.headers, ps, authority), timeoutMs: responseTimeoutMs, responseSweep });
    }
    // A stream nobody moves bytes on (e.g. a client announcing a zero window) must not pin its
    // upstream stream forever: ps.idleTimeout() after the connection's stream idle timeout (a
    // connection without one has no idle sweep: watchIdle() does nothing there).
    h2Stream?.watchIdle();
    if (upstream.usesH1 || !h2Upstream) return viaH1(ps);
    const hasBody = h2Stream ? !h2Stream.head.endStream : hasH1Body(ps.headers);
    const scheme = upstream.tls ? 'https' : 'http';
    // The authority goes as :authority, not as a field. The stream is the client the forwarding headers tell of (ClientFacts).
    const fields = requestHead
      ? upstreamRequestFields(requestHead.fields, ps, clientAuthority)
      : fieldsOf(upstreamRequestHeaders(ps.headers, ps, authority, { ':authority': authority }));
    forwardOverH2(ps, h2Upstream, scheme, authority, fields, hasBody);
  };
}

/** The authority the client asked for: an HTTP/2 request's :authority (else its host field), an HTTP/1.1 request's host. */
function clientAuthorityOf(ps: ProxiedStream): string | undefined {
  const head = ps.requestHead;
  return head ? head.authority || fieldValue(head.fields, 'host') : requestAuthority(ps.headers);
}

/** The host the origin is told: its own with rewriteHost, else the client's (the origin's without one). */
export function upstreamAuthority(upstream: OriginUpstream, config: Pick<ProxyConfig, 'upstream'>, clientAuthority: string | undefined): string {
  return config.upstream.rewriteHost ? upstream.origin.host : clientAuthority ?? upstream.origin.host;
}

/** RFC 9113 §6.5.2: Σ over fields (pseudo-headers included) of name + value + 32 octets. */
function headerListSize(raw: readonly string[]): number {
  let size = 0;
  for (let i = 0; i < raw.length; i += 2) size += raw[i]!.length + raw[i + 1]!.length + 32;
  return size;
}

/** headerListSize() of an HTTP/2 request's head: its fields and pseudo-headers (named as requestHeaders() lists them). */
function requestHeadSize(head: RequestHead): number {
  let size = headerListSize(head.fields) + ':method'.length + head.method.length + ':scheme'.length + head.scheme.length + ':path'.length + head.path.length + 3 * 32;
  if (head.authority !== '') size += ':authority'.length + head.authority.length + 32;
  if (head.protocol !== '') size += ':protocol'.length + head.protocol.length + 32;
  return size;
}

function hasH1Body(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
