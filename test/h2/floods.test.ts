/**
 * Every flood limit of the FloodGuard, enforced by the engine: a client over a limit gets
 * GOAWAY(ENHANCE_YOUR_CALM); one just under it is served. Limits are set small through the same
 * FloodLimits keys the proxy's config uses, so each case is a few dozen frames.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, FrameType } from '../../h2/frame/constants.js';
import type { FloodLimits } from '../../h2/proto/flood-guard.js';
import {
  connectRaw,
  continuationFrame,
  dataFrame,
  encodeHeaderBlock,
  frame,
  headersFrame,
  pingFrame,
  requestHeaders,
  rstFrame,
  settingsFrame,
  windowUpdateFrame,
  type RawH2,
} from '../helpers/raw-h2.js';
import { startEngineServer, type EngineServer } from './engine-server.js';
import { createTestApp } from './test-app.js';

const WAIT_MS = 5000;
/** No refill within a test's lifetime: exactly `burst` frames are allowed. */
const tight = { perSecond: 0.001, burst: 10 };
const limits: Partial<FloodLimits> = {
  resets: tight,
  pings: tight,
  settings: tight,
  emptyData: tight,
  windowUpdates: tight,
  priorities: tight,
  afterEnd: tight,
  maxContinuations: 3,
  maxHeaderBlockBytes: 2048,
};

let server: EngineServer;
beforeAll(async () => {
  server = await startEngineServer(createTestApp(), { tls: false, options: { floodLimits: limits } });
});
afterAll(async () => {
  await server.close();
});

const get = (path = '/hold'): Buffer => encodeHeaderBlock(requestHeaders(path, '127.0.0.1', { scheme: 'http' }));

async function connect(): Promise<RawH2> {
  const raw = await connectRaw({ port: server.port, tls: false });
  await raw.waitFor(() => raw.count(FrameType.SETTINGS) > 0, WAIT_MS);
  return raw;
}

const floods: Array<[string, (i: number) => Buffer, Buffer?]> = [
  ['rapid reset (RST_STREAM)', (i) => Buffer.concat([headersFrame(1 + 2 * i, get()), rstFrame(1 + 2 * i)])],
  ['PING', (i) => pingFrame(i)],
  ['SETTINGS', () => settingsFrame([])],
  ['empty DATA', () => dataFrame(1, Buffer.alloc(0)), headersFrame(1, get(), { endStream: false })],
  ['WINDOW_UPDATE', () => windowUpdateFrame(0, 1)],
  ['PRIORITY', (i) => frame(FrameType.PRIORITY, 0, 1 + 2 * i, Buffer.from([0, 0, 0, 0, 16]))],
  ['DATA after END_STREAM', () => dataFrame(1, Buffer.from('x')), headersFrame(1, get())],
];

describe('flood limits', () => {
  it.each(floods)('%s: the burst is served, one more → GOAWAY(ENHANCE_YOUR_CALM)', async (_name, make, opening) => {
    const raw = await connect();
    if (opening) await raw.send(opening);
    // The preface's SETTINGS counted against the SETTINGS limit already.
    const allowed = _name === 'SETTINGS' ? tight.burst - 1 : tight.burst;
    await raw.send(Buffer.concat(Array.from({ length: allowed }, (_, i) => make(i))));
    // Still served after the burst: a request on a fresh stream gets its whole response.
    await raw.send(headersFrame(999, get('/')));
    expect(await raw.waitFor(() => raw.ended.has(999), WAIT_MS)).toBe(true);
    expect(raw.goaway).toBeUndefined();
    // One more (on a stream above the probe's, where the frame opens one).
    await raw.send(make(1000));
    const goaway = await raw.waitForGoaway(WAIT_MS);
    expect(goaway?.errorCode).toBe(ErrorCode.ENHANCE_YOUR_CALM);
    expect(await raw.waitForClose(WAIT_MS)).toBe(true);
  });

  it('CONTINUATION flood: more than maxContinuations in one block → GOAWAY(ENHANCE_YOUR_CALM)', async () => {
    const raw = await connect();
    const fragment = encodeHeaderBlock([['x-a', 'b']]);
    await raw.send(headersFrame(1, get(), { endHeaders: false }));
    await raw.send(Buffer.concat(Array.from({ length: 4 }, () => continuationFrame(1, fragment))));
    expect((await raw.waitForGoaway(WAIT_MS))?.errorCode).toBe(ErrorCode.ENHANCE_YOUR_CALM);
  });

  it('a header block over maxHeaderBlockBytes → GOAWAY(ENHANCE_YOUR_CALM)', async () => {
    const raw = await connect();
    await raw.send(headersFrame(1, Buffer.concat([get(), encodeHeaderBlock([['x-big', 'a'.repeat(3000)]])])));
    expect((await raw.waitForGoaway(WAIT_MS))?.errorCode).toBe(ErrorCode.ENHANCE_YOUR_CALM);
  });
});
