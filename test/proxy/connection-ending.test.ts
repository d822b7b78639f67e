/**
 * ConnectionEnding, the one reporter of a connection's GOAWAYs and of why h2race ended it: every
 * GOAWAY but a graceful close's announcement, and the end once, only when h2race's GOAWAY came
 * first. Then through a real proxy whose front runs the engine with no frame path (it reported no
 * client connection's end before: that came from the engine path).
 */
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { ErrorCode } from '../../h2/frame/constants.js';
import { EndPhase, MAX_STREAM_ID } from '../../h2/proto/go-away.js';
import { ConnectionEnding, type Closable } from '../../proxy/connection-ending.js';
import { createProxyEvents, type ConnectionEndRecord, type GoawayRecord } from '../../proxy/events.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';
import { connectH2, get, startTestProxy } from '../helpers/h2-client.js';
import { startTestOrigin } from '../helpers/origins.js';
import { waitFor } from '../helpers/wait.js';

const cleanups = cleanupsAfterEach();

function reporter(side: 'downstream' | 'upstream' = 'downstream') {
  const events = createProxyEvents();
  const goaways: GoawayRecord[] = [];
  const ends: ConnectionEndRecord[] = [];
  events.on('goaway', (g) => goaways.push(g));
  events.on('connection-end', (e) => ends.push(e));
  return { ending: new ConnectionEnding(side, 7, events, pino({ level: 'silent' })), goaways, ends };
}

/** Stands for the engine's connection: its close() sends the announcement, as ConnectionEnd does. */
function connection(announce: () => void, phase: EndPhase = EndPhase.Open): Closable {
  return { phase, close: announce };
}

describe('ConnectionEnding', () => {
  test('a server\'s graceful close: the announcement (2^31-1) is not a GOAWAY of its own; the final one is reported, and the end once, for the reason given', () => {
    const { ending, goaways, ends } = reporter();
    ending.close(connection(() => ending.sent({ lastStreamId: MAX_STREAM_ID, errorCode: 0 })), 'shutdown');
    expect(goaways).toEqual([]);
    ending.received({ lastStreamId: 0, errorCode: 0 });
    ending.sent({ lastStreamId: 5, errorCode: 0 });
    ending.sent({ lastStreamId: 5, errorCode: ErrorCode.INTERNAL_ERROR });
    ending.closed(5);
    expect(goaways.map((g) => [g.received, g.code, g.lastStreamId])).toEqual([[true, 0, 0], [false, 0, 5], [false, ErrorCode.INTERNAL_ERROR, 5]]);
    expect(ends).toEqual([{ side: 'downstream', id: 7, reason: 'shutdown', code: 0, lastStreamId: 5 }]);
  });

  test('a client\'s graceful close: its announcement says 0 like its final GOAWAY, told apart by close()', () => {
    const { ending, goaways, ends } = reporter('upstream');
    ending.close(connection(() => ending.sent({ lastStreamId: 0, errorCode: 0 })), 'idle');
    ending.sent({ lastStreamId: 0, errorCode: 0 });
    expect(goaways).toEqual([{ side: 'upstream', id: 7, code: 0, lastStreamId: 0, received: false }]);
    expect(ends).toEqual([{ side: 'upstream', id: 7, reason: 'idle', code: 0, lastStreamId: 0 }]);
  });

  test('an error GOAWAY of h2race\'s own ends it for the reason its code stands for', () => {
    const { ending, ends } = reporter();
    ending.sent({ lastStreamId: 3, errorCode: ErrorCode.ENHANCE_YOUR_CALM });
    expect(ends).toEqual([{ side: 'downstream', id: 7, reason: 'flood', code: ErrorCode.ENHANCE_YOUR_CALM, lastStreamId: 3 }]);
  });

  test('the peer\'s GOAWAY first: h2race\'s answer is reported as a GOAWAY, not as an end; a later close() sends nothing', () => {
    const { ending, goaways, ends } = reporter();
    ending.received({ lastStreamId: 0, errorCode: ErrorCode.PROTOCOL_ERROR });
    ending.sent({ lastStreamId: 1, errorCode: ErrorCode.NO_ERROR });
    let closed = false;
    ending.close(connection(() => (closed = true)), 'shutdown');
    expect(closed).toBe(false);
    expect(goaways.map((g) => g.received)).toEqual([true, false]);
    expect(ends).toEqual([]);
  });

  test('close() on a connection the engine is already ending (its own GOAWAY came first) is a no-op', () => {
    const { ending, ends } = reporter();
    let closed = false;
    ending.close(connection(() => (closed = true), EndPhase.Ending), 'idle');
    expect(closed).toBe(false);
    ending.closed(0);
    expect(ends).toEqual([]);
  });

  test('a graceful close cut before its final GOAWAY is still h2race\'s end, with the streams it processed', () => {
    const { ending, goaways, ends } = reporter();
    ending.close(connection(() => ending.sent({ lastStreamId: MAX_STREAM_ID, errorCode: 0 })), 'shutdown');
    ending.closed(3);
    expect(goaways).toEqual([]);
    expect(ends).toEqual([{ side: 'downstream', id: 7, reason: 'shutdown', code: 0, lastStreamId: 3 }]);
  });
});

test('a front with no frame path reports its client connection\'s end at shutdown, once, and each side\'s final GOAWAY', async () => {
  const origin = await startTestOrigin('h2c');
  cleanups.push(() => origin.close());
  const proxy = await startTestProxy(origin.url, { shutdownTimeoutMs: 2000 });
  cleanups.push(() => proxy.destroy());
  const ends: ConnectionEndRecord[] = [];
  const goaways: GoawayRecord[] = [];
  proxy.events.on('connection-end', (e) => ends.push(e));
  proxy.events.on('goaway', (g) => goaways.push(g));
  const session = await connectH2(proxy.url);
  cleanups.push(() => session.destroy());
  expect((await get(session, '/small')).status).toBe(200);
  await proxy.close();
  await waitFor('the client session to close', () => session.closed || session.destroyed);
  expect(ends.filter((e) => e.side === 'downstream')).toEqual([expect.objectContaining({ reason: 'shutdown', code: 0, lastStreamId: 1 })]);
  expect(ends.filter((e) => e.side === 'upstream')).toEqual([expect.objectContaining({ reason: 'shutdown', code: 0, lastStreamId: 0 })]);
  expect(goaways.filter((g) => !g.received).map((g) => [g.side, g.code, g.lastStreamId])).toEqual([['downstream', 0, 1], ['upstream', 0, 0]]);
});
