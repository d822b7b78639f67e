/**
 * startProxy(): the proxy as a library. Parses its options with the config schema (defaults live
 * there), loads or makes the certificate, opens the upstream pool and the listeners.
 */
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { proxyConfigSchema, type ProxyConfig, type ProxyConfigInput } from '../config/proxy-schema.js';
import { validate } from '../config/load.js';
import { loadOrCreateCertificate, type Certificate } from './certs.js';
import type { DownstreamWrapper, UpstreamWrapper } from './connection-wrapper.js';
import type { ProxyEvents } from './events.js';
import { createForwarder } from './forward.js';
import { createTunnelForwarder } from './forward-ws.js';
import { Front } from './front.js';
import { openKeyLog } from './keylog.js';
import { silentLogger } from './log.js';
import { OriginUpstream } from './upstream/origin-upstream.js';

export interface StartProxyOptions extends ProxyConfigInput {
  /** Where the proxy reports (proxy/events.ts): made and observed by the composer, handed down. */
  events: ProxyEvents;
  logger?: Logger;
  downstreamWrapper?: DownstreamWrapper;
  upstreamWrapper?: UpstreamWrapper;
}

export interface RunningProxy {
  config: ProxyConfig;
  /** The TLS listener (h2 and HTTP/1.1). */
  address: AddressInfo;
  /** `https://127.0.0.1:PORT` for the TLS listener. */
  url: string;
  h2cAddress?: AddressInfo;
  /** `http://127.0.0.1:PORT` for the h2c listener. */
  h2cUrl?: string;
  /** SHA-256 fingerprint of the certificate served. */
  fingerprint: string;
  /** Where the certificate came from, and its file. */
  certSource: Certificate['source'];
  certPath: string;
  /** PEM of the certificate served (clients pin or trust it). */
  cert: string;
  upstream: OriginUpstream;
  /** Graceful: GOAWAY to clients, in-flight streams get up to shutdownTimeoutMs, then the rest is cut. */
  close(): Promise<void>;
  /** Cuts everything now. */
  destroy(): void;
}

export async function startProxy(options: StartProxyOptions): Promise<RunningProxy> {
  const { events, logger = silentLogger(), downstreamWrapper, upstreamWrapper, ...input } = options;
  const config = validate(proxyConfigSchema, input, 'proxy options');
  const certificate = await loadOrCreateCertificate(config);
  const keylog = config.keylog === undefined ? undefined : await openKeyLog(config.keylog, logger);
  const writeKey = keylog && ((line: Buffer) => keylog.write(line));
  let upstream: OriginUpstream;
  try {
    upstream = new OriginUpstream(config.upstream, config.origin, upstreamWrapper, events, logger, writeKey, config.bugModels);
  } catch (err) {
    await keylog?.close();
    throw err;
  }
  const front = new Front({
    cert: certificate.cert,
    key: certificate.key,
    downstream: config.downstream,
    bugModels: config.bugModels,
    upstreamStreamWindow: config.upstream.settings.initialWindowSize ?? 65_535,
    wrapper: downstreamWrapper,
    onRequest: createForwarder(upstream, config, events, logger),
    onUpgrade: createTunnelForwarder(upstream, config, events, logger),
    keylog: writeKey,
    events,
    logger,
  });
  let address: AddressInfo;
  let h2cAddress: AddressInfo | undefined;
  try {
    address = await front.listenTls(config.listen);
    if (config.h2cListen !== undefined) h2cAddress = await front.listenH2c(config.h2cListen);
  } catch (err) {
    front.destroy();
    upstream.destroy();
    await keylog?.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    config,
    address,
    url: urlOf('https', address),
    h2cAddress,
    h2cUrl: h2cAddress && urlOf('http', h2cAddress),
    fingerprint: certificate.fingerprint256,
    certSource: certificate.source,
    certPath: certificate.certPath,
    cert: certificate.cert,
    upstream,
    close() {
      closing ??= (async () => {
        const started = Date.now();
        await front.close(config.shutdownTimeoutMs);
        await upstream.close(Math.max(0, config.shutdownTimeoutMs - (Date.now() - started)));
        await keylog?.close();
      })();
      return closing;
    },
    destroy() {
      front.destroy();
      upstream.destroy();
      void keylog?.close();
    },
  };
}

function urlOf(scheme: string, a: AddressInfo): string {
  return `${scheme}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
}
