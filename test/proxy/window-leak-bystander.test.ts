/**
 * The window-leak-on-reset bug model where users meet it (issue 18): h2race's upstream session
 * drops, uncredited, the DATA that was in flight for downloads its clients cancelled; the upstream
 * connection window (65,535, node's and nghttp2's default) drains, and an SSE stream on the same
 * upstream session — a bystander nobody cancelled — gets nothing more. With the twin,
 * window-credit-on-reset, the same event arrives byte-exact.
 *
 * In flight, deterministically: a gate between h2race and a real node:http2 origin holds the
 * origin's bytes while the origin fills the connection window with download DATA; the client then
 * cancels the downloads, and only once the origin has heard every RST_STREAM is the gate opened —
 * the DATA reaches h2race for streams it has already reset, as on a long link when a cancel
 * crosses the response.
 */
import { once } from 'node:events';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { BugModel } from '../../h2/proto/bug-models/catalogue.js';
import { startH2race } from '../../proxy/h2race.js';
import { createProxyEvents } from '../../proxy/events.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';
import { connectH2 } from '../helpers/h2-client.js';
import { pingRoundTrip, startSseDownloadOrigin } from '../helpers/sse-download-origin.js';
import { waitFor } from '../helpers/wait.js';

const CONNECTION_WINDOW = 65_535;
const DOWNLOADS = 3;
const EVENT = Buffer.from('id: 1\ndata: after the cancels\n\n');

const cleanups = cleanupsAfterEach();

/** A TCP relay to `port` whose origin-to-proxy direction can be held (bytes kept in order) and let go. */
async function startGate(port: number): Promise<{ port: number; hold(): void; release(): void }> {
  let held: Buffer[] | undefined;
  let toProxy: net.Socket | undefined;
  const server = net.createServer((proxySide) => {
    toProxy = proxySide;
    const originSide = net.connect(port, '127.0.0.1');
    proxySide.pipe(originSide);
    originSide.on('data', (chunk: Buffer) => (held ? held.push(chunk) : proxySide.write(chunk)));
    proxySide.on('error', () => originSide.destroy());
    originSide.on('error', () => proxySide.destroy());
    proxySide.on('close', () => originSide.destroy());
    originSide.on('close', () => proxySide.destroy());
    cleanups.push(() => proxySide.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise((r) => server.close(r)));
  return {
    port: (server.address() as net.AddressInfo).port,
    hold: () => (held = []),
    release: () => {
      for (const chunk of held ?? []) toProxy!.write(chunk);
      held = undefined;
    },
  };
}

const cases: { model: BugModel; stalls: boolean }[] = [
  { model: 'window-leak-on-reset', stalls: true },
  { model: 'window-credit-on-reset', stalls: false },
];

describe.each(cases)('h2race with $model', ({ model, stalls }) => {
  it(`an SSE stream on the upstream session ${stalls ? 'stalls' : 'goes on byte-exact'} after ${DOWNLOADS} downloads are cancelled with their DATA in flight`, async () => {
    const origin = await startSseDownloadOrigin(cleanups);
    const gate = await startGate(origin.port);

    const h2race = await startH2race({
      events: createProxyEvents(),
      listen: '127.0.0.1:0',
      origin: `h2c://127.0.0.1:${gate.port}`,
      shutdownTimeoutMs: 200,
      bugModels: [model],
      upstream: { connectionWindowSize: CONNECTION_WINDOW },
    });
    cleanups.push(() => h2race.close());
    const client = await connectH2(h2race.proxy.url, { rejectUnauthorized: false });
    cleanups.push(() => client.destroy());

    const sse = client.request({ ':path': '/events' });
    const sseBytes: Buffer[] = [];
    sse.on('data', (c: Buffer) => sseBytes.push(c));
    await once(sse, 'response');

    gate.hold();
    const cancelled = Array.from({ length: DOWNLOADS }, () => client.request({ ':path': '/download' }));
    cancelled.forEach((d) => d.on('error', () => {}));
    await waitFor(`${DOWNLOADS} downloads at the origin`, () => origin.downloads.length === DOWNLOADS);
    const session = origin.sessions[0]!;
    expect(origin.sessions).toHaveLength(1);
    // The origin spent its whole connection window on the downloads: all of it is in the gate.
    await waitFor("the origin's connection window spent", () => session.state.remoteWindowSize === 0);
    for (const d of cancelled) d.close(http2.constants.NGHTTP2_CANCEL);
    await waitFor('every cancel to reach the origin', () => origin.downloads.every((d) => d.rstCode === http2.constants.NGHTTP2_CANCEL));

    gate.release();
    // h2race answers this PING after the DATA before it, and after the WINDOW_UPDATE it owes for it.
    await pingRoundTrip(session);
    origin.sse()!.write(EVENT);
    if (stalls) {
      await pingRoundTrip(session);
      expect(session.state.remoteWindowSize).toBe(0);
      // h2race's front answers its client: the connection is alive, the SSE stream just gets nothing.
      await pingRoundTrip(client);
      expect(sseBytes).toEqual([]);
      expect(sse.closed).toBe(false);
    } else {
      // Credited back (in WINDOW_UPDATEs of at least half the window; the rest waits for more).
      expect(session.state.remoteWindowSize).toBeGreaterThanOrEqual(CONNECTION_WINDOW / 2);
      await waitFor('the SSE event', () => Buffer.concat(sseBytes).length === EVENT.length);
      expect(Buffer.concat(sseBytes).equals(EVENT)).toBe(true);
    }
  });
});
