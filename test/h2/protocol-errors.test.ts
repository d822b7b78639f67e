/**
 * The engine against a raw HTTP/2 client that sends exactly the frames it is told: each
 * violation gets the answer RFC 9113 asks for — GOAWAY with the right code and last-stream-id for
 * a connection error, RST_STREAM with the right code for a stream error (the connection goes on,
 * proven by a PING answered afterwards) — and what must be ignored is ignored.
 * Section numbers are h2spec's where a case matches one of its cases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, FrameFlag, FrameType, SettingId } from '../../h2/frame/constants.js';
import type { ConnectionOptions } from '../../h2/proto/connection-options.js';
import {
  connectRaw,
  continuationFrame,
  dataFrame,
  encodeHeaderBlock,
  frame,
  goawayFrame,
  headersFrame,
  pingFrame,
  requestHeaders,
  rstFrame,
  settingsFrame,
  windowUpdateFrame,
  type HeaderList,
  type RawH2,
} from '../helpers/raw-h2.js';
import { startEngineServer, type EngineServer } from './engine-server.js';
import { HoldingTransport } from './holding-transport.js';
import { createTestApp } from './test-app.js';

const WAIT_MS = 5000;
const servers: EngineServer[] = [];
let server: EngineServer;

async function serverWith(options: ConnectionOptions): Promise<EngineServer> {
  const s = await startEngineServer(createTestApp(), { tls: false, options });
  servers.push(s);
  return s;
}

beforeAll(async () => {
  server = await serverWith({});
});
afterAll(async () => {
  for (const s of servers) await s.close();
});

const block = (headers: HeaderList): Buffer => encodeHeaderBlock(headers);
const get = (path = '/'): Buffer => block(requestHeaders(path, '127.0.0.1', { scheme: 'http' }));
const post = (path: string, extra: HeaderList = []): Buffer => block(requestHeaders(path, '127.0.0.1', { method: 'POST', scheme: 'http', extra }));

async function connect(on: EngineServer = server, opts: { ackSettings?: boolean; settings?: ReadonlyArray<readonly [number, number]> } = {}): Promise<RawH2> {
  const raw = await connectRaw({ port: on.port, tls: false, ...opts });
  // The server's SETTINGS (acknowledged by the raw client unless told not to) precede everything it answers.
  await raw.waitFor(() => raw.count(FrameType.SETTINGS) > 0, WAIT_MS);
  return raw;
}

async function expectGoaway(raw: RawH2, code: number, lastStreamId: number): Promise<void> {
  const goaway = await raw.waitForGoaway(WAIT_MS);
  expect(goaway, 'a GOAWAY').toBeDefined();
  expect({ code: goaway!.errorCode, lastStreamId: goaway!.lastStreamId }).toEqual({ code, lastStreamId });
  expect(await raw.waitForClose(WAIT_MS), 'the connection closed after the GOAWAY').toBe(true);
}

/** A stream error: RST_STREAM(code) on the stream, and the connection still answers a PING. */
async function expectRst(raw: RawH2, streamId: number, code: number): Promise<void> {
  expect(await raw.waitFor(() => raw.resets.has(streamId), WAIT_MS), `RST_STREAM on stream ${streamId}`).toBe(true);
  expect(raw.resets.get(streamId)).toBe(code);
  await expectAlive(raw);
}

let pingData = 1000;
async function expectAlive(raw: RawH2): Promise<void> {
  const data = ++pingData;
  await raw.send(pingFrame(data));
  const answered = (): boolean => raw.framesOf(FrameType.PING).some((f) => f.flags & FrameFlag.ACK && f.payload.readUInt32BE(4) === data);
  expect(await raw.waitFor(answered, WAIT_MS), 'the PING answered').toBe(true);
  expect(raw.goaway).toBeUndefined();
}

const endedBy = (raw: RawH2, streamId: number) => (): boolean => raw.ended.has(streamId);

describe('preface and frame rules', () => {
  it('3.5: a bad connection preface → GOAWAY(PROTOCOL_ERROR, 0)', async () => {
    const raw = await connectRaw({ port: server.port, tls: false, preface: false });
    await raw.send(Buffer.from('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n'));
    await expectGoaway(raw, ErrorCode.PROTOCOL_ERROR, 0);
  });

  it('3.5: the preface not followed by SETTINGS → GOAWAY(PROTOCOL_ERROR)', async () => {
    const raw = await connectRaw({ port: server.port, tls: false, preface: false });
    await raw.send(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), pingFrame(1)]));
    await expectGoaway(raw, ErrorCode.PROTOCOL_ERROR, 0);
  });

  it('4.2: DATA longer than SETTINGS_MAX_FRAME_SIZE → GOAWAY(FRAME_SIZE_ERROR)', async () => {
    const raw = await connect();
    await raw.send(headersFrame(1, post('/echo'), { endStream: false }));
    await raw.send(dataFrame(1, Buffer.alloc(16_385)));
    await expectGoaway(raw, ErrorCode.FRAME_SIZE_ERROR, 1);
  });

  it('4.1/5.5: unknown frame types, PRIORITY and PRIORITY_UPDATE are ignored', async () => {
    const raw = await connect();
    const priority = Buffer.from([0, 0, 0, 0, 16]);
    const update = Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from('u=1')]);
    await raw.send(Buffer.concat([frame(0x20, 0xff, 0, Buffer.from('unknown')), frame(FrameType.PRIORITY, 0, 9, priority), frame(FrameType.PRIORITY_UPDATE, 0, 0, update)]));
    await expectAlive(raw);
  });

  it('5.5: an unknown frame inside a header block → GOAWAY(PROTOCOL_ERROR)', async () => {
    const raw = await connect();
    await raw.send(headersFrame(1, get(), { endHeaders: false }));
    await raw.send(frame(0x20, 0, 1, Buffer.from('x')));
    await expectGoaway(raw, ErrorCode.PROTOCOL_ERROR, 0);
  });

  it('8.2: PUSH_PROMISE from a client → GOAWAY(PROTOCOL_ERROR)', async () => {
    const raw = await connect();
    await raw.send(frame(FrameType.PUSH_PROMISE, FrameFlag.END_HEADERS, 1, Buffer.concat([Buffer.from([0, 0, 0, 2]), get()])));
    await expectGoaway(raw, ErrorCode.PROTOCOL_ERROR, 0);
  });

  it('4.3: an undecodable header block → GOAWAY(COMPRESSION_ERROR)', async () => {
    const raw = await connect();
    await raw.send(headersFrame(1, Buffer.from([0x80])));
    await expectGoaway(raw, ErrorCode.COMPRESSION_ERROR, 0);
  });
});

describe('stream states (§5.1)', () => {
  it('5.1/1: DATA on an idle stream → GOAWAY(PROTOCOL_ERROR)', async () => {
    const raw = await connect();
    await raw.send(dataFrame(1, Buffer.from('x')));
    await expectGoaway(raw, ErrorCode.PROTOCOL_ERROR, 0);
  });

  it('5.1/2: RST_STREAM on an idle stream → GOAWAY(PROTOCOL_ERROR)', async () => {
    const raw = await connect();
    await raw.send(rstFrame(1));
    await expectGoaway(raw, ErrorCode.PROTOCOL_ERROR, 0);
  });

  it('5.1/3: WINDOW_UPDATE on an idle stream → GOAWAY(PROTOCOL_ERROR)', async () => {
    const raw = await connect();
    await raw.send(windowUpdateFrame(1, 100));
    await expectGoaway(raw, ErrorCode.PROTOCOL_ERROR, 0);
  });

  it('5.1/5: DATA on a half-closed (remote) stream → RST_STREAM(STREAM_CLOSED)', async () => {
    const raw = await connect();
    await raw.send(headersFrame(1, get('/hold')));
    await raw.send(dataFrame(1, Buffer.from('late')));
    await expectRst(raw, 1, ErrorCode.STREAM_CLOSED);
  });

  it('5.1/8: DATA after the client reset the stream → RST_STREAM(STREAM_CLOSED)', async () => {
    const raw = await connect();
    await raw.send(Buffer.concat([headersFrame(1, post('/echo'), { endStream: false }), rstFrame(1), dataFrame(1, Buffer.from('test'), true)]));
    await expectRst(raw, 1, ErrorCode.STREAM_CLOSED);
  });

  it('5.1/9: HEADERS after the client reset the stream → RST_STREAM(STREAM_CLOSED)', async () => {
    const raw = await connect();
    await raw.send(Buffer.concat([headersFrame(1, post('/echo'), { endStream: false }), rstFrame(1), headersFrame(1, get())]));
    await expectRst(raw, 1, ErrorCode.STREAM_CLOSED);
  });

  it('5.1/11: DATA on a stream closed by END_STREAM both ways → RST_STREAM(STREAM_CLOSED)', async () => {
    const raw = await connect();
    await raw.send(headersFrame(1, get()));
    expect(await raw.waitFor(endedBy(raw, 1), WAIT_MS)).toBe(true);
    await raw.send(dataFrame(1, Buffer.from('test'), true));
    await expectRst(raw, 1, ErrorCode.STREAM_CLOSED);
  });

  it('5.1/12: HEADERS on a stream closed by END_STREAM both ways → GOAWAY(STREAM_CLOSED, 1)', async () => {
    const raw = await connect();
    await raw.send(headersFrame(1, get()));
    expect(await raw.waitFor(endedBy(raw, 1), WAIT_MS)).toBe(true);
    await raw.send(headersFrame(1, get()));
    await expectGoaway(raw, ErrorCode.STREAM_CLOSED, 1);
  });

  it('frames on a stream the server reset are ignored (§5.1 closed)', async () => {
    const s = await serverWith({ settings: { maxConcurrentStreams: 1 } });
    const raw = await connect(s);
    await raw.send(Buffer.concat([headersFrame(1, get('/hold')), headersFrame(3, post('/echo'), { endStream: false })]));
    await expectRst(raw, 3, ErrorCode.REFUSED_STREAM);
    await raw.send(Buffer.concat([dataFrame(3, Buffer.from('in flight')), windowUpdateFrame(3, 10), rstFrame(3)]));
    await expectAlive(raw);
    expect(raw.resets.size).toBe(1);
  });

  it('5.1.1/1: HEADERS on an even stream → GOAWAY(PROTOCOL_ERROR)', async () => {
    const raw = await connect();
    await raw.send(headersFrame(2, get()));
    await expectGoaway(raw, ErrorCode.PROTOCOL_ERROR, 0);
  });

  it('5.1.1/2: a stream id lower than a previous one → GOAWAY(PROTOCOL_ERROR, 5)', async () => {
    const raw = await connect();
    await raw.send(headersFrame(5, get('/hold')));
    await raw.send(headersFrame(3, get('/hold')));
    await expectGoaway(raw, ErrorCode.PROTOCOL_ERROR, 5);
  });

  it('5.1.2: a stream beyond SETTINGS_MAX_CONCURRENT_STREAMS → RST_STREAM(REFUSED_STREAM)', async () => {
    const s = await serverWith({ settings: { maxConcurrentStreams: 2 } });
    const raw = await connect(s);
    await raw.send(Buffer.concat([1, 3, 5].map((id) => headersFrame(id, get('/hold')))));
    await expectRst(raw, 5, ErrorCode.REFUSED_STREAM);
    expect(raw.resets.has(1) || raw.resets.has(3)).toBe(false);
  });

  it('an error GOAWAY names the last stream processed', async () => {
    const raw = await connect();
    await raw.send(Buffer.concat([headersFrame(1, get('/hold')), headersFrame(3, get('/hold'))]));
    await raw.send(dataFrame(7, Buffer.from('idle')));
    await expectGoaway(raw, ErrorCode.PROTOCOL_ERROR, 3);
  });
});

describe('header blocks (§4.3, §6.2, §6.10)', () => {
  it('6.2/4: HEADERS then another stream\'s HEADERS before CONTINUATION → GOAWAY(PROTOCOL_ERROR)', async () => {
    const raw = await connect();
    await raw.send(headersFrame(1, get(), { endHeaders: false }));
    await raw.send(headersFrame(3, get()));
    await expectGoaway(raw, ErrorCode.PROTOCOL_ERROR, 0);
  });

  it('6.10/3: CONTINUATION with no open block → GOAWAY(PROTOCOL_ERROR)', async () => {
    const raw = await connect();
    await raw.send(headersFrame(1, get('/hold')));
    await raw.send(continuationFrame(1, get(), true));
    await expectGoaway(raw, ErrorCode.PROTOCOL_ERROR, 1);
  });

  it('6.10/1: HEADERS + CONTINUATION, padded and with priority fields, make one request', async () => {
    const raw = await connect();
    const whole = get('/bytes/5');
    const padded = Buffer.concat([Buffer.from([3]), Buffer.from([0, 0, 0, 0, 16]), whole.subarray(0, 3), Buffer.alloc(3)]);
    await raw.send(frame(FrameType.HEADERS, FrameFlag.PADDED | FrameFlag.PRIORITY | FrameFlag.END_STREAM, 1, padded));
    await raw.send(continuationFrame(1, whole.subarray(3, 5)));
    await raw.send(continuationFrame(1, whole.subarray(5), true));
    expect(await raw.waitFor(() => raw.dataBytes.get(1) === 5 && raw.ended.has(1), WAIT_MS)).toBe(true);
  });

  it('5.3.1: HEADERS depending on its own stream → RST_STREAM(PROTOCOL_ERROR)', async () => {
    const raw = await connect();
    await raw.send(frame(FrameType.HEADERS, FrameFlag.PRIORITY | FrameFlag.END_HEADERS | FrameFlag.END_STREAM, 1, Buffer.concat([Buffer.from([0, 0, 0, 1, 16]), get()])));
    await expectRst(raw, 1, ErrorCode.PROTOCOL_ERROR);
  });

  it('5.3.1: PRIORITY depending on its own stream → RST_STREAM(PROTOCOL_ERROR)', async () => {
    const raw = await connect();
    await raw.send(frame(FrameType.PRIORITY, 0, 3, Buffer.from([0, 0, 0, 3, 16])));
    await expectRst(raw, 3, ErrorCode.PROTOCOL_ERROR);
  });
});

describe('HTTP semantics (§8)', () => {
  const malformed: Array<[string, HeaderList]> = [
    ['8.1.2/1 an uppercase field name', [...requestHeaders('/', 'h', { scheme: 'http' }), ['X-Upper', 'a']]],
    ['8.1.2.1/1 an unknown pseudo-header', [...requestHeaders('/', 'h', { scheme: 'http' }), [':foo', 'a']]],
    ['8.1.2.1/2 :status in a request', [[':status', '200'], ...requestHeaders('/', 'h', { scheme: 'http' })]],
    ['8.1.2.1/4 a pseudo-header after a regular field', [[':method', 'GET'], [':scheme', 'http'], ['x-a', 'b'], [':path', '/']]],
    ['8.1.2.2/1 a connection-specific field', [...requestHeaders('/', 'h', { scheme: 'http' }), ['connection', 'keep-alive']]],
    ['8.1.2.2/2 te other than trailers', [...requestHeaders('/', 'h', { scheme: 'http' }), ['te', 'gzip']]],
    ['8.1.2.3/1 an empty :path', [[':method', 'GET'], [':scheme', 'http'], [':path', '']]],
    ['8.1.2.3/2 no :method', [[':scheme', 'http'], [':path', '/']]],
    ['8.1.2.3/3 no :scheme', [[':method', 'GET'], [':path', '/']]],
    ['8.1.2.3/4 no :path', [[':method', 'GET'], [':scheme', 'http']]],
    ['8.1.2.3/7 a duplicate :path', [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':path', '/']]],
    ['a field value with a leading space', [...requestHeaders('/', 'h', { scheme: 'http' }), ['x-a', ' b']]],
  ];
  it.each(malformed)('%s → RST_STREAM(PROTOCOL_ERROR), the application never sees it', async (_name, headers) => {
    const raw = await connect();
    await raw.send(headersFrame(1, block(headers)));
    await expectRst(raw, 1, ErrorCode.PROTOCOL_ERROR);
  });

  it('8.1/1: trailers without END_STREAM → RST_STREAM(PROTOCOL_ERROR)', async () => {
    const raw = await connect();
    await raw.send(headersFrame(1, post('/echo'), { endStream: false }));
    await raw.send(headersFrame(1, block([['x-trailer', 'a']]), { endStream: false }));
    await expectRst(raw, 1, ErrorCode.PROTOCOL_ERROR);
  });

  it('8.1.2.1/3: a pseudo-header in trailers → RST_STREAM(PROTOCOL_ERROR)', async () => {
    const raw = await connect();
    await raw.send(headersFrame(1, post('/echo'), { endStream: false }));
    await raw.send(headersFrame(1, block([[':method', 'GET']])));
    await expectRst(raw, 1, ErrorCode.PROTOCOL_ERROR);
  });

  it('8.1.2.6/1: less DATA than content-length → RST_STREAM(PROTOCOL_ERROR)', async () => {
    const raw = await connect();
    await raw.send(headersFrame(1, post('/echo', [['content-length', '10']]), { endStream: false }));
    await raw.send(dataFrame(1, Buffer.from('short'), true));
    await expectRst(raw, 1, ErrorCode.PROTOCOL_ERROR);
  });

  it('content-length > 0 with END_STREAM on HEADERS → RST_STREAM(PROTOCOL_ERROR) before the application sees it', async () => {
    const app = createTestApp();
    const s = await startEngineServer(app, { tls: false });
    servers.push(s);
    const raw = await connect(s);
    await raw.send(headersFrame(1, post('/echo', [['content-length', '4']])));
    await expectRst(raw, 1, ErrorCode.PROTOCOL_ERROR);
    expect(app.streams).toHaveLength(0);
  });

  it('8.1.2.6/2: more DATA than content-length over several frames → RST_STREAM(PROTOCOL_ERROR)', async () => {
    const raw = await connect();
    await raw.send(headersFrame(1, post('/echo', [['content-length', '6']]), { endStream: false }));
    await raw.send(Buffer.concat([dataFrame(1, Buffer.from('four')), dataFrame(1, Buffer.from('four'), true)]));
    await expectRst(raw, 1, ErrorCode.PROTOCOL_ERROR);
  });
});

describe('flow control and SETTINGS (§6.5, §6.9)', () => {
  it('6.9/1: a connection WINDOW_UPDATE of 0 → GOAWAY(PROTOCOL_ERROR)', async () => {
    const raw = await connect();
    await raw.send(windowUpdateFrame(0, 0));
    await expectGoaway(raw, ErrorCode.PROTOCOL_ERROR, 0);
  });

  it('6.9/2: a stream WINDOW_UPDATE of 0 → RST_STREAM(PROTOCOL_ERROR)', async () => {
    const raw = await connect();
    await raw.send(headersFrame(1, get('/hold')));
    await raw.send(windowUpdateFrame(1, 0));
    await expectRst(raw, 1, ErrorCode.PROTOCOL_ERROR);
  });

  it('6.9.1/2: the connection window above 2^31-1 → GOAWAY(FLOW_CONTROL_ERROR)', async () => {
    const raw = await connect();
    await raw.send(Buffer.concat([windowUpdateFrame(0, 2 ** 31 - 1), windowUpdateFrame(0, 2 ** 31 - 1)]));
    await expectGoaway(raw, ErrorCode.FLOW_CONTROL_ERROR, 0);
  });

  it('6.9.1/3: a stream window above 2^31-1 → RST_STREAM(FLOW_CONTROL_ERROR)', async () => {
    const raw = await connect();
    await raw.send(headersFrame(1, get('/hold')));
    await raw.send(windowUpdateFrame(1, 2 ** 31 - 1));
    await expectRst(raw, 1, ErrorCode.FLOW_CONTROL_ERROR);
  });

  it('6.9.2/3: SETTINGS_INITIAL_WINDOW_SIZE taking an open stream above 2^31-1 → GOAWAY(FLOW_CONTROL_ERROR)', async () => {
    const raw = await connect();
    await raw.send(headersFrame(1, get('/hold')));
    await raw.send(windowUpdateFrame(1, 2 ** 31 - 1 - 65_535));
    await raw.send(settingsFrame([[SettingId.INITIAL_WINDOW_SIZE, 65_536]]));
    await expectGoaway(raw, ErrorCode.FLOW_CONTROL_ERROR, 1);
  });

  it('DATA beyond the stream window → RST_STREAM(FLOW_CONTROL_ERROR), the connection window credited', async () => {
    const s = await serverWith({ settings: { initialWindowSize: 16_384 } });
    const raw = await connect(s);
    await raw.send(headersFrame(1, post('/hold'), { endStream: false }));
    await raw.send(Buffer.concat([dataFrame(1, Buffer.alloc(16_384)), dataFrame(1, Buffer.alloc(1))]));
    await expectRst(raw, 1, ErrorCode.FLOW_CONTROL_ERROR);
  });

  it('DATA beyond the connection window (nothing consumed) → GOAWAY(FLOW_CONTROL_ERROR)', async () => {
    const s = await serverWith({ connectionWindowSize: 65_535 });
    const raw = await connect(s);
    await raw.send(headersFrame(1, post('/hold'), { endStream: false }));
    await raw.send(Buffer.concat(Array.from({ length: 5 }, () => dataFrame(1, Buffer.alloc(16_000)))));
    await expectGoaway(raw, ErrorCode.FLOW_CONTROL_ERROR, 1);
  });

  it('a stream reset while it waits on the connection window gets no DATA after the reset once the window opens; the others finish', async () => {
    const raw = await connect();
    const body = 40_000;
    for (const id of [1, 3, 5]) await raw.send(headersFrame(id, get(`/bytes/${body}`)));
    const received = (): number => [1, 3, 5].reduce((sum, id) => sum + (raw.dataBytes.get(id) ?? 0), 0);
    // The protocol's initial connection window spent: every stream has more, and waits in the scheduler's ready list.
    expect(await raw.waitFor(() => received() === 65_535, WAIT_MS)).toBe(true);
    for (const id of [1, 3, 5]) expect(raw.dataBytes.get(id) ?? 0).toBeLessThan(body);
    await raw.send(rstFrame(3));
    await expectAlive(raw);
    const beforeOpen = raw.dataBytes.get(3) ?? 0;
    await raw.send(windowUpdateFrame(0, 4 * body));
    expect(await raw.waitFor(() => raw.ended.has(1) && raw.ended.has(5), WAIT_MS)).toBe(true);
    await expectAlive(raw);
    expect([raw.dataBytes.get(1), raw.dataBytes.get(5)]).toEqual([body, body]);
    expect(raw.dataBytes.get(3) ?? 0).toBe(beforeOpen);
    expect(raw.ended.has(3)).toBe(false);
  });

  it('padding counts against the windows and is credited back by the engine (nobody consumes it)', async () => {
    const s = await serverWith({ connectionWindowSize: 65_535, settings: { initialWindowSize: 65_535 } });
    const raw = await connect(s);
    await raw.send(headersFrame(1, post('/bytes/3'), { endStream: false }));
    // 300 frames of 1 data byte and 254 bytes of padding: 76 KB of window for 300 bytes of body.
    const padded = frame(FrameType.DATA, FrameFlag.PADDED, 1, Buffer.concat([Buffer.from([254, 0x61]), Buffer.alloc(254)]));
    for (let i = 0; i < 300; i++) await raw.send(padded);
    await raw.send(dataFrame(1, Buffer.alloc(0), true));
    expect(await raw.waitFor(() => raw.ended.has(1), WAIT_MS)).toBe(true);
    expect(raw.goaway).toBeUndefined();
    expect(raw.resets.size).toBe(0);
  });

  const badSettings: Array<[string, number, number, number]> = [
    ['6.5.2/1 SETTINGS_ENABLE_PUSH 2', SettingId.ENABLE_PUSH, 2, ErrorCode.PROTOCOL_ERROR],
    ['6.5.2/2 SETTINGS_INITIAL_WINDOW_SIZE 2^31', SettingId.INITIAL_WINDOW_SIZE, 2 ** 31, ErrorCode.FLOW_CONTROL_ERROR],
    ['6.5.2/3 SETTINGS_MAX_FRAME_SIZE 16383', SettingId.MAX_FRAME_SIZE, 16_383, ErrorCode.PROTOCOL_ERROR],
    ['6.5.2/4 SETTINGS_MAX_FRAME_SIZE 2^24', SettingId.MAX_FRAME_SIZE, 2 ** 24, ErrorCode.PROTOCOL_ERROR],
  ];
  it.each(badSettings)('%s → GOAWAY', async (_name, id, value, code) => {
    const raw = await connect();
    await raw.send(settingsFrame([[id, value]]));
    await expectGoaway(raw, code, 0);
  });

  it('6.5.3/2: SETTINGS are acknowledged; unknown ones ignored', async () => {
    const raw = await connect();
    const acks = (): number => raw.framesOf(FrameType.SETTINGS).filter((f) => f.flags & FrameFlag.ACK).length;
    expect(await raw.waitFor(() => acks() === 1, WAIT_MS), "the preface SETTINGS' ACK").toBe(true);
    await raw.send(settingsFrame([[0x99, 7], [SettingId.MAX_CONCURRENT_STREAMS, 10]]));
    expect(await raw.waitFor(() => acks() === 2, WAIT_MS)).toBe(true);
    await expectAlive(raw);
  });

  it('SETTINGS_TIMEOUT: our SETTINGS never acknowledged → GOAWAY(SETTINGS_TIMEOUT)', async () => {
    const s = await serverWith({ settingsTimeoutMs: 100 });
    const raw = await connect(s, { ackSettings: false });
    await expectGoaway(raw, ErrorCode.SETTINGS_TIMEOUT, 0);
  });
});

describe('PING and GOAWAY (§6.7, §6.8)', () => {
  it('6.7/2: an unsolicited PING ACK is ignored; a PING is answered with its data', async () => {
    const raw = await connect();
    await raw.send(pingFrame(7, true));
    await expectAlive(raw);
  });

  it('graceful close: GOAWAY(2^31-1) and PING; streams opened before the ACK are served; the final GOAWAY names them; later ones are ignored', async () => {
    const s = await serverWith({});
    const raw = await connect(s);
    await raw.send(headersFrame(1, post('/echo'), { endStream: false }));
    await raw.waitFor(() => raw.framesOf(FrameType.HEADERS, 1).length > 0, WAIT_MS);
    s.connections[0]!.close();
    expect(await raw.waitFor(() => raw.goaway !== undefined && raw.framesOf(FrameType.PING).some((f) => !(f.flags & FrameFlag.ACK)), WAIT_MS)).toBe(true);
    expect(raw.goaway).toMatchObject({ lastStreamId: 2 ** 31 - 1, errorCode: ErrorCode.NO_ERROR });
    const ping = raw.framesOf(FrameType.PING).find((f) => !(f.flags & FrameFlag.ACK))!;
    // Stream 3 crosses the first GOAWAY on the wire: it arrives before the PING's ACK, so it is served.
    await raw.send(Buffer.concat([headersFrame(3, get('/bytes/10')), frame(FrameType.PING, FrameFlag.ACK, 0, ping.payload)]));
    const goaways = (): Buffer[] => raw.framesOf(FrameType.GOAWAY).map((f) => f.payload);
    expect(await raw.waitFor(() => goaways().length === 2, WAIT_MS)).toBe(true);
    expect(goaways()[1]!.readUInt32BE(0)).toBe(3);
    // Stream 5 comes after the final GOAWAY: ignored, neither answered nor reset.
    await raw.send(headersFrame(5, get('/bytes/10')));
    expect(await raw.waitFor(() => raw.ended.has(3), WAIT_MS)).toBe(true);
    await raw.send(dataFrame(1, Buffer.from('done'), true));
    expect(await raw.waitForClose(WAIT_MS)).toBe(true);
    expect(raw.ended.has(1)).toBe(true);
    expect(raw.framesOf(FrameType.HEADERS, 5)).toHaveLength(0);
    expect(raw.resets.has(5)).toBe(false);
  });

  it("the client's GOAWAY(NO_ERROR): its open stream finishes, then the server's GOAWAY and the close", async () => {
    const raw = await connect();
    await raw.send(headersFrame(1, post('/echo'), { endStream: false }));
    await raw.send(goawayFrame(0, ErrorCode.NO_ERROR));
    await raw.send(dataFrame(1, Buffer.from('last words'), true));
    expect(await raw.waitForClose(WAIT_MS)).toBe(true);
    expect(raw.ended.has(1)).toBe(true);
    expect(raw.dataBytes.get(1)).toBe('last words'.length);
    expect(raw.goaway).toMatchObject({ errorCode: ErrorCode.NO_ERROR, lastStreamId: 1 });
  });

  it("the client's error GOAWAY: every stream ends with its code, the connection closes", async () => {
    const app = createTestApp();
    const s = await startEngineServer(app, { tls: false });
    servers.push(s);
    const raw = await connect(s);
    await raw.send(headersFrame(1, get('/hold')));
    await raw.waitFor(() => raw.framesOf(FrameType.HEADERS, 1).length > 0, WAIT_MS);
    await raw.send(goawayFrame(0, ErrorCode.INTERNAL_ERROR));
    expect(await raw.waitForClose(WAIT_MS)).toBe(true);
    expect(app.streams[0]!.reset).toEqual({ code: ErrorCode.INTERNAL_ERROR, cause: 'connection' });
  });

  it("the client's error GOAWAY on a stalled link: what is owed gets abandonedFlushMs, not closeTimeoutMs (the client reads no more)", async () => {
    const app = createTestApp();
    let transport: HoldingTransport | undefined;
    const s = await startEngineServer(app, {
      tls: false,
      options: { closeTimeoutMs: 600_000, linger: { abandonedFlushMs: 50 } },
      transport: (socket) => (transport = new HoldingTransport(socket)),
    });
    servers.push(s);
    const raw = await connect(s);
    await raw.send(headersFrame(1, get('/hold')));
    await raw.waitFor(() => raw.framesOf(FrameType.HEADERS, 1).length > 0, WAIT_MS);
    // The link stalls with frames owed to the client (its stream's reset, the GOAWAY's answer).
    transport!.holding = true;
    await raw.send(goawayFrame(0, ErrorCode.INTERNAL_ERROR));
    expect(await raw.waitForClose(WAIT_MS)).toBe(true);
    expect(app.streams[0]!.reset).toEqual({ code: ErrorCode.INTERNAL_ERROR, cause: 'connection' });
  });

  it('stream-id exhaustion: after stream 2^31-1 the connection closes gracefully', async () => {
    const raw = await connect();
    const last = 2 ** 31 - 1;
    await raw.send(headersFrame(last, get('/bytes/3')));
    const ping = (): ReturnType<RawH2['framesOf']>[number] | undefined => raw.framesOf(FrameType.PING).find((f) => !(f.flags & FrameFlag.ACK));
    expect(await raw.waitFor(() => ping() !== undefined, WAIT_MS), "the graceful close's PING").toBe(true);
    await raw.send(frame(FrameType.PING, FrameFlag.ACK, 0, ping()!.payload));
    expect(await raw.waitForClose(WAIT_MS)).toBe(true);
    expect(raw.ended.has(last)).toBe(true);
    const finals = raw.framesOf(FrameType.GOAWAY).map((f) => [f.payload.readUInt32BE(0), f.payload.readUInt32BE(4)]);
    expect(finals.at(-1)).toEqual([last, ErrorCode.NO_ERROR]);
  });
});
