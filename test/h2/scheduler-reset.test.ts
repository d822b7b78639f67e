/**
 * A stream reset while it waits in the send scheduler's ready list (the connection window spent)
 * frames nothing more once the window opens, and the streams beside it finish whole: the
 * scheduler drops a closed stream when it comes to it in its round.
 */
import { afterEach, expect, it } from 'vitest';
import { FrameType } from '../../h2/frame/constants.js';
import { connectRaw, encodeHeaderBlock, headersFrame, pingFrame, requestHeaders, rstFrame, windowUpdateFrame, type RawH2 } from '../helpers/raw-h2.js';
import { startEngineServer, type EngineServer } from './engine-server.js';
import { createTestApp } from './test-app.js';

let server: EngineServer | undefined;
let raw: RawH2 | undefined;
afterEach(async () => {
  raw?.close();
  await server?.close();
  raw = server = undefined;
});

/** The protocol's initial connection window: what the server may send before our WINDOW_UPDATE. */
const CONNECTION_WINDOW = 65_535;
const BODY = 40_000;

it('a stream reset while blocked on the connection window gets no DATA after its reset; the others finish', async () => {
  server = await startEngineServer(createTestApp(), { tls: false });
  raw = await connectRaw({ port: server.port, tls: false });
  const c = raw;
  await c.waitFor(() => c.count(FrameType.SETTINGS) > 0, 5000);
  for (const id of [1, 3, 5]) await c.send(headersFrame(id, encodeHeaderBlock(requestHeaders(`/bytes/${BODY}`, '127.0.0.1', { scheme: 'http' })), { endStream: true }));
  const received = (): number => [1, 3, 5].reduce((sum, id) => sum + (c.dataBytes.get(id) ?? 0), 0);
  expect(await c.waitFor(() => received() === CONNECTION_WINDOW, 5000)).toBe(true);
  // Every stream has more to send: all three wait in the ready list.
  for (const id of [1, 3, 5]) expect(c.dataBytes.get(id) ?? 0).toBeLessThan(BODY);

  await c.send(Buffer.concat([rstFrame(3), pingFrame(1)]));
  expect(await c.waitFor(() => c.count(FrameType.PING) >= 1, 5000)).toBe(true);
  const beforeOpen = c.dataBytes.get(3) ?? 0;

  await c.send(Buffer.concat([windowUpdateFrame(0, 4 * BODY)]));
  expect(await c.waitFor(() => c.ended.has(1) && c.ended.has(5), 5000)).toBe(true);
  await c.send(pingFrame(2));
  expect(await c.waitFor(() => c.count(FrameType.PING) >= 2, 5000)).toBe(true);

  expect(c.dataBytes.get(1)).toBe(BODY);
  expect(c.dataBytes.get(5)).toBe(BODY);
  expect(c.dataBytes.get(3) ?? 0).toBe(beforeOpen);
  expect(c.ended.has(3)).toBe(false);
  expect(c.goaway).toBeUndefined();
});
