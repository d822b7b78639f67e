/**
 * The h2race the WebSocket tests put between their client and the `ws` origin: TLS front (h2 and
 * HTTP/1.1) and h2c front, the test certificate both ways, the given toxics, and its stream log;
 * for clients of the HTTP/2 front, sessions to it and the check of a tunnel's stream-end record.
 *
 * Lifecycle: the proxy's close is pushed on the caller's cleanups.
 */
import type * as http2 from 'node:http2';
import { expect } from 'vitest';
import type { WebSocket } from 'ws';
import { ToxicSet, type ToxicInput } from '../../faults/link/toxic-set.js';
import { createProxyEvents, type ProxyEvents, type StreamEndRecord } from '../../proxy/events.js';
import { startH2race, type RunningH2race } from '../../proxy/h2race.js';
import { testCert } from '../helpers/tls-cert.js';
import { waitFor } from '../helpers/wait.js';
import { connectH2 } from './h2-websocket.js';
import { closed, roundTrip } from './ws-messages.js';

export interface WsProxy {
  h2race: RunningH2race;
  /** What the proxy reports (made here, handed to it). */
  events: ProxyEvents;
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
  const events = createProxyEvents();
  const h2race = await startH2race({
    events,
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
  events.on('stream-end', (r) => ends.push(r));
  return { h2race, events, ends };
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

/**
 * 'hello' echoed on `ws`, then the client's close(1000) answered: the one stream-end record of
 * `proxy` says CONNECT `path`, 200, completed, and exactly the tunnel's bytes each way.
 */
export async function expectTunnelLogged(proxy: WsProxy, ws: WebSocket, path: string): Promise<void> {
  await roundTrip(ws, 'hello');
  const done = closed(ws);
  ws.close(1000);
  expect((await done).code).toBe(1000);
  await waitFor('the tunnel\'s stream-end record', () => proxy.ends.length === 1);
  // Client frames carry a 4-byte mask: 'hello' 2+4+5, close(1000) 2+4+2. Origin frames: 2+5, 2+2.
  expect(proxy.ends[0]).toMatchObject({ protocol: 'h2', method: 'CONNECT', path, status: 200, outcome: 'completed', bytesIn: 11 + 8, bytesOut: 7 + 4, attempts: 1 });
  expect(proxy.ends[0]!.upstreamId).toBeTypeOf('number');
}
