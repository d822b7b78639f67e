/**
 * The window-leak-on-reset bug model and its twin, in both roles of the engine, against real
 * node:http2 peers. Windows are sized so the race is arithmetic, not timing: the connection window
 * is 65,535 and each cancelled stream's window 21,845 (a third of it), so three cancels whose
 * streams filled their windows leave exactly 0 when their bytes are not credited back.
 *
 * Client role (a proxy's upstream): an SSE stream is open; three large downloads each receive
 * their window, unconsumed, and are reset. Leaked, the origin's connection send window is 0 and
 * the next SSE event cannot leave it; credited, it arrives byte-exact.
 * Server role (a proxy's front): three uploads the handler never consumes are reset once their
 * window is in; then a bystander upload. Leaked, the client's window is 0; credited, the echo is exact.
 */
import { once } from 'node:events';
import * as http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../h2/frame/constants.js';
import { CREDIT_ON_RESET, LEAK_ON_RESET, type ResetDataCredit } from '../../../h2/proto/bug-models/reset-data-credit.js';
import { cleanupsAfterEach } from '../../helpers/cleanups.js';
import { waitFor } from '../../helpers/wait.js';
import { startEngineServer } from '../engine-server.js';
import { pingRoundTrip, startSseDownloadOrigin } from '../../helpers/sse-download-origin.js';
import { connectClient, exchange } from '../client/engine-client.js';

const CONNECTION_WINDOW = 65_535;
const CANCELS = 3;
const STREAM_WINDOW = CONNECTION_WINDOW / CANCELS;
const EVENT = Buffer.from('id: 1\ndata: after the cancels\n\n');

const cleanups = cleanupsAfterEach();

describe.each([
  { credit: LEAK_ON_RESET, stalls: true },
  { credit: CREDIT_ON_RESET, stalls: false },
])('$credit.name', ({ credit, stalls }: { credit: ResetDataCredit; stalls: boolean }) => {
  it(`client role: an SSE stream on the connection ${stalls ? 'stalls' : 'goes on'} after ${CANCELS} cancelled downloads`, async () => {
    const origin = await startSseDownloadOrigin(cleanups);
    const client = connectClient(origin.port, false, {
      connectionWindowSize: CONNECTION_WINDOW,
      settings: { initialWindowSize: STREAM_WINDOW },
      resetDataCredit: credit,
    });
    cleanups.push(() => client.socket.destroy());

    const sse = exchange(client.connection, '/events');
    await waitFor('the SSE head', () => sse.status === 200 && origin.sse() !== undefined);
    for (let i = 0; i < CANCELS; i++) {
      const download = exchange(client.connection, '/download', { autoConsume: false });
      await waitFor(`download ${i + 1} to fill its window`, () => download.received === STREAM_WINDOW);
      download.stream.reset(ErrorCode.CANCEL);
    }
    const session = origin.sessions[0]!;
    // The client's RST_STREAMs and WINDOW_UPDATEs went out before its answer to this PING.
    await pingRoundTrip(session);
    origin.sse()!.write(EVENT);
    if (stalls) {
      await pingRoundTrip(session);
      expect(session.state.remoteWindowSize).toBe(0);
      expect(sse.received).toBe(0);
    } else {
      await waitFor('the SSE event', () => sse.received === EVENT.length);
      expect(sse.body().equals(EVENT)).toBe(true);
    }
  });

  it(`server role: a bystander upload ${stalls ? 'stalls' : 'goes through'} after ${CANCELS} cancelled uploads`, async () => {
    const server = await startEngineServer(
      {
        onStream(stream, head) {
          if (head.path === '/echo') {
            stream.respond(200);
            return { onData: (chunk) => (stream.write(Buffer.from(chunk)), stream.consumed(chunk.length)), onEnd: () => stream.end() };
          }
          // An upload nobody reads (Pekko's case): cancelled once its window is in.
          let received = 0;
          return {
            onData: (chunk) => {
              received += chunk.length;
              if (received === STREAM_WINDOW) stream.reset(ErrorCode.CANCEL);
            },
          };
        },
      },
      { tls: false, options: { connectionWindowSize: CONNECTION_WINDOW, settings: { initialWindowSize: STREAM_WINDOW }, resetDataCredit: credit } },
    );
    cleanups.push(() => server.close());
    const session = http2.connect(server.url);
    session.on('error', () => {});
    cleanups.push(() => session.destroy());
    await once(session, 'remoteSettings');
    for (let i = 0; i < CANCELS; i++) {
      const upload = session.request({ ':method': 'POST', ':path': '/sink' });
      upload.on('error', () => {});
      upload.write(Buffer.alloc(1 << 20, 0x62));
      await once(upload, 'close');
    }
    await pingRoundTrip(session);
    const body = Buffer.from('a bystander upload\n');
    const echo = session.request({ ':method': 'POST', ':path': '/echo' });
    echo.on('error', () => {});
    const chunks: Buffer[] = [];
    echo.on('data', (c: Buffer) => chunks.push(c));
    echo.end(body);
    if (stalls) {
      await pingRoundTrip(session);
      expect(session.state.remoteWindowSize).toBe(0);
      expect(chunks).toEqual([]);
    } else {
      await once(echo, 'end');
      expect(Buffer.concat(chunks).equals(body)).toBe(true);
    }
  });
});
