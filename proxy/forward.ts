/**
 * The request handler both fronts call: turns a downstream request into a ProxiedStream and
 * sends it to the origin over HTTP/2 (forward-h2.ts) or HTTP/1.1 (forward-h1.ts).
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { ProxyConfig } from '../config/proxy-schema.js';
import type { ConnectionInfo } from './connection-wrapper.js';
import type { ProxyEvents } from './events.js';
import { forwardOverH1 } from './forward-h1.js';
import { forwardOverH2 } from './forward-h2.js';
import { requestAuthority, upstreamRequestHeaders } from './headers.js';
import { ProxiedStream, type DownstreamRequest, type DownstreamResponse } from './proxied-stream.js';
import type { OriginUpstream } from './upstream/origin-upstream.js';

export type RequestHandler = (req: DownstreamRequest, res: DownstreamResponse, connection: ConnectionInfo, streamId: number) => void;

export function createForwarder(upstream: OriginUpstream, config: ProxyConfig['upstream'], events: ProxyEvents, logger: Logger): RequestHandler {
  return (req, res, connection, streamId) => {
    const ps = new ProxiedStream(req, res, connection, streamId, events, logger);
    if (req.method === 'CONNECT') {
      ps.writeHead(501, { 'content-length': 0 });
      ps.endResponse(undefined);
      return;
    }
    const h2Stream = ps.h2Stream;
    const authority = config.rewriteHost ? upstream.origin.host : requestAuthority(req.headers) ?? upstream.origin.host;
    const headers = upstreamRequestHeaders(req.headers, {
      remoteAddress: connection.remoteAddress,
      tls: connection.tls,
      httpVersion: h2Stream ? '2' : '1.1',
    }, authority);
    const hasBody = h2Stream ? !h2Stream.endAfterHeaders : hasH1Body(req as IncomingMessage);
    const viaH1 = () => forwardOverH1(ps, { agent: upstream.h1, origin: upstream.origin, headers, timeoutMs: config.responseTimeoutMs });
    if (upstream.usesH1) return viaH1();
    const { host, ...rest } = headers;
    const h2Headers: OutgoingHttpHeaders = {
      ':method': ps.start.method,
      ':path': ps.start.path,
      ':scheme': upstream.tls ? 'https' : 'http',
      ':authority': host,
      ...rest,
    };
    forwardOverH2(ps, { pool: upstream.h2!, headers: h2Headers, hasBody, responseTimeoutMs: config.responseTimeoutMs, onNotH2: viaH1 });
  };
}

function hasH1Body(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
