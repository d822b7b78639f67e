/**
 * Forwards WebSocket Upgrades from the HTTP/1.1 front to the origin over HTTP/1.1, with
 * http2-proxy's ws() (it relays the 101 and pipes both ways). The upstream request is made here,
 * through the origin's tunnel agent, so its connection comes from connectFor() and the upstream
 * link shapes the tunnel's bytes as it shapes every other upstream byte.
 *
 * An h2c:// origin speaks only HTTP/2: no HTTP/1.1 Upgrade can reach it, and this front does not
 * translate one into an extended CONNECT (RFC 8441; the HTTP/2 front's tunnels go as one,
 * forward-connect.ts), so the client gets a 501 saying so at once.
 */
import * as http from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ProxyConfig } from '../config/proxy-schema.js';
import type { ConnectionInfo } from './connection-wrapper.js';
import type { ProxyEvents } from './events.js';
import { upstreamAuthority } from './forward.js';
import { requestAuthority, upstreamRequestHeaders } from './headers.js';
import { ProxiedTunnel, type DownstreamUpgrade } from './proxied-tunnel.js';
import { UpstreamError } from './upstream/errors.js';
import { upstreamIdOf } from './upstream/h1-agent.js';
import type { OriginUpstream } from './upstream/origin-upstream.js';

/** Why a WebSocket from this front cannot reach an HTTP/2-only origin. */
const NO_H2_ORIGIN_WEBSOCKETS = 'h2race does not turn an HTTP/1.1 WebSocket Upgrade into an RFC 8441 extended CONNECT';

// http2-proxy is CommonJS with `module.exports = fn`; its named exports are not visible to ESM.
const http2Proxy = createRequire(import.meta.url)('http2-proxy') as typeof import('http2-proxy');

export type UpgradeHandler = (upgrade: DownstreamUpgrade, connection: ConnectionInfo, streamId: number) => void;

export function createTunnelForwarder(
  upstream: OriginUpstream,
  config: Pick<ProxyConfig, 'upstream'>,
  events: ProxyEvents,
  logger: Logger,
): UpgradeHandler {
  const timeoutMs = config.upstream.responseTimeoutMs;
  return (upgrade, connection, streamId) => {
    const tunnel = new ProxiedTunnel(upgrade, connection, streamId, events, logger);
    const { req } = tunnel;
    const protocol = typeof req.headers.upgrade === 'string' ? req.headers.upgrade : '';
    if (req.method !== 'GET' || protocol.toLowerCase() !== 'websocket') {
      return tunnel.refuse(501, `only WebSocket upgrades (GET with Upgrade: websocket) are forwarded, not ${req.method} with Upgrade: ${protocol}`);
    }
    if (upstream.origin.protocol === 'h2c:') {
      return tunnel.refuse(501, `origin ${upstream.origin.host} speaks only HTTP/2 (h2c), and ${NO_H2_ORIGIN_WEBSOCKETS}`);
    }
    // http2-proxy accepts only the lower-case token (RFC 6455 compares it case-insensitively).
    req.headers.upgrade = 'websocket';
    const headers = upstreamRequestHeaders(req.headers, { remoteAddress: connection.remoteAddress, tls: connection.tls, httpVersion: '1.1' }, upstreamAuthority(upstream, config, requestAuthority(req.headers)));
    headers.connection = 'upgrade';
    headers.upgrade = 'websocket';
    const agent = upstream.tunnels;
    const { host, port } = agent.endpoint;
    tunnel.attempts++;
    void (http2Proxy.ws(req, tunnel.socket as Socket, tunnel.head, {
      hostname: host,
      port,
      onReq: async () => {
        const request = http.request({
          agent,
          host,
          port,
          method: 'GET',
          path: tunnel.start.path,
          headers,
          setHost: false,
          timeout: timeoutMs > 0 ? timeoutMs : undefined,
        });
        request.once('socket', (socket: Socket) => (tunnel.upstreamId = upstreamIdOf(socket)));
        // Runs before http2-proxy's own 'upgrade' listener, which it adds once this returns.
        request.once('upgrade', (_res, socket: Socket) => tunnel.opened(socket));
        return request;
      },
      onRes: async (_req, _socket, res) => tunnel.relayAnswer(res as unknown as http.IncomingMessage),
    }) as Promise<void>).catch((err: unknown) => tunnel.upstreamFailed(classify(err, tunnel, upstream, timeoutMs)));
  };
}

function classify(err: unknown, tunnel: ProxiedTunnel, upstream: OriginUpstream, timeoutMs: number): UpstreamError {
  const cause = err instanceof UpstreamError ? err.cause : err;
  if ((cause as NodeJS.ErrnoException | undefined)?.code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL') {
    return new UpstreamError('protocol', `origin ${upstream.origin.host} offers no HTTP/1.1 (TLS ALPN): it speaks only HTTP/2, and ${NO_H2_ORIGIN_WEBSOCKETS}`, err);
  }
  if (err instanceof UpstreamError) return err;
  const e = err as (Error & { statusCode?: number; code?: string }) | undefined;
  if (e?.statusCode === 504) return new UpstreamError('response-timeout', `origin did not answer the WebSocket upgrade within ${timeoutMs} ms`, err);
  const what = e?.code ?? e?.message ?? String(err);
  return tunnel.phase === 'upgrading'
    ? new UpstreamError('protocol', `origin ${upstream.origin.host} failed the WebSocket upgrade: ${what}`, err)
    : new UpstreamError('connection-lost', `WebSocket tunnel to origin broke: ${what}`, err);
}
