/**
 * The h2race the WebSocket tests put between their client and the `ws` origin: TLS front (h2 and
 * HTTP/1.1) and h2c front, the test certificate both ways, the given toxics, and its stream log.
 *
 * Lifecycle: the proxy's close is pushed on the caller's cleanups.
 */
import { ToxicSet, type ToxicInput } from '../../faults/link/toxic-set.js';
import type { StreamEndRecord } from '../../proxy/events.js';
import type * as http2 from 'node:http2';
import { startH2race, type RunningH2race } from '../../proxy/h2race.js';
import { testCert } from '../helpers/tls-cert.js';
import { connectH2 } from './h2-websocket.js';

export interface WsProxy {
  h2race: RunningH2race;
  /** Every stream-end record, in order. */
  ends: StreamEndRecord[];
}

export interface H2WsProxy extends WsProxy {
  /** A new HTTP/2 session to the TLS front (its SETTINGS arrived), destroyed with the cleanups. */
  session(): Promise<http2.ClientHttp2Session>;
}

export type WsProxyOptions = { toxics?: ToxicInput[]; streamIdleTimeoutMs?: number };

export async function startWsProxy(
  origin: string,
  cleanups: Array<() => unknown>,
  opts: WsProxyOptions = {},
): Promise<WsProxy> {
  const { certPath, keyPath } = await testCert();
  const h2race = await startH2race({
    listen: '127.0.0.1:0',
    h2cListen: '127.0.0.1:0',
    origin,
    cert: certPath,
    key: keyPath,
    shutdownTimeoutMs: 500,
    upstream: { ca: certPath, connectTimeoutMs: 2000 },
    downstream: { streamIdleTimeoutMs: opts.streamIdleTimeoutMs },
    toxics: new ToxicSet(opts.toxics ?? []),
  });
  cleanups.push(() => h2race.close());
  const ends: StreamEndRecord[] = [];
  h2race.proxy.events.on('stream-end', (r) => ends.push(r));
  return { h2race, ends };
}

/** startWsProxy, for clients of its HTTP/2 front. */
export async function startH2WsProxy(origin: string, cleanups: Array<() => unknown>, opts: WsProxyOptions = {}): Promise<H2WsProxy> {
  const proxy = await startWsProxy(origin, cleanups, opts);
  const { cert } = await testCert();
  return {
    ...proxy,
    async session() {
      const session = await connectH2(proxy.h2race.proxy.url, cert);
      cleanups.push(() => session.destroy());
      return session;
    },
  };
}
