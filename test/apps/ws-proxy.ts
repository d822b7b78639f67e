/**
 * The h2race the WebSocket tests put between their client and the `ws` origin: TLS front (h2 and
 * HTTP/1.1) and h2c front, the test certificate both ways, the given toxics, and its stream log.
 *
 * Lifecycle: the proxy's close is pushed on the caller's cleanups.
 */
import { ToxicSet, type ToxicInput } from '../../faults/link/toxic-set.js';
import type { StreamEndRecord } from '../../proxy/events.js';
import { startH2race, type RunningH2race } from '../../proxy/h2race.js';
import { testCert } from '../helpers/tls-cert.js';

export interface WsProxy {
  h2race: RunningH2race;
  /** Every stream-end record, in order. */
  ends: StreamEndRecord[];
}

export async function startWsProxy(
  origin: string,
  cleanups: Array<() => unknown>,
  opts: { toxics?: ToxicInput[]; streamIdleTimeoutMs?: number } = {},
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
